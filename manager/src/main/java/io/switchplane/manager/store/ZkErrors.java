package io.switchplane.manager.store;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import org.apache.zookeeper.KeeperException;

/**
 * Turns the checked exceptions of Curator and ZooKeeper into {@link SwitchplaneException}s with the
 * code an operator should see. Callers that know better (a version conflict on a specific znode, a
 * name index collision) handle those cases before falling back to this.
 */
public final class ZkErrors {
  private ZkErrors() {}

  /**
   * The domain failure for a failed ZooKeeper call; what names the operation ("reading DVS x").
   * Restores the interrupt flag when the failure is an interruption.
   */
  public static SwitchplaneException translate(Exception e, String what) {
    if (e instanceof SwitchplaneException se) {
      return se;
    }
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return new SwitchplaneException(ErrorCode.UNAVAILABLE, what + ": interrupted", e);
    }
    if (e instanceof KeeperException ke) {
      return switch (ke.code()) {
        case BADVERSION ->
            new SwitchplaneException(
                ErrorCode.ABORTED, what + ": changed concurrently; re-read and retry", e);
        case NODEEXISTS ->
            new SwitchplaneException(ErrorCode.ALREADY_EXISTS, what + ": already exists", e);
        case NONODE -> new SwitchplaneException(ErrorCode.NOT_FOUND, what + ": not found", e);
        case CONNECTIONLOSS,
            SESSIONEXPIRED,
            OPERATIONTIMEOUT,
            SESSIONMOVED,
            NOTREADONLY,
            REQUESTTIMEOUT ->
            new SwitchplaneException(
                ErrorCode.UNAVAILABLE, what + ": ZooKeeper unavailable (" + ke.code() + ")", e);
        default ->
            new SwitchplaneException(
                ErrorCode.INTERNAL, what + ": ZooKeeper error " + ke.code(), e);
      };
    }
    return new SwitchplaneException(ErrorCode.INTERNAL, what + ": " + e, e);
  }
}
