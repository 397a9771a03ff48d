package io.switchplane.manager.store;

import io.switchplane.common.error.SwitchplaneException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.TransactionOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;

/**
 * One ZooKeeper multi-op transaction under construction, with its serialized size.
 *
 * <p>ZooKeeper refuses a request larger than {@code jute.maxbuffer} (1 MiB - 1 by default), and a
 * refused multi is a dropped connection, not a clean error. So every transaction is measured before
 * it is sent and refused above {@link #MAX_BYTES} (900 KiB, leaving room for the request header and
 * for servers configured with the default buffer). The estimate counts each op's path and data plus
 * {@link #OP_OVERHEAD} bytes for the jute framing (multi header 9 bytes, lengths, version, flags
 * and the open ACL, 48 bytes at most). A transaction is never split: splitting would give up
 * atomicity.
 */
public final class ZkTxn {
  /** Largest transaction this store sends. */
  public static final int MAX_BYTES = 900 * 1024;

  /** Bytes counted per op on top of its path and data. */
  static final int OP_OVERHEAD = 64;

  /** One operation of the transaction. version -1 means any version. */
  public record Op(Kind kind, String path, byte[] data, int version) {
    int size() {
      return OP_OVERHEAD
          + path.getBytes(StandardCharsets.UTF_8).length
          + (data == null ? 0 : data.length);
    }
  }

  /** What an op does. */
  public enum Kind {
    CREATE,
    SET,
    DELETE,
    CHECK
  }

  /** Why the transaction failed: the first op ZooKeeper refused. */
  public record Rejection(Op op, KeeperException.Code code, KeeperException cause) {}

  private final List<Op> ops = new ArrayList<>();
  private long bytes;

  public ZkTxn create(String path, byte[] data) {
    return add(new Op(Kind.CREATE, path, data, -1));
  }

  public ZkTxn set(String path, byte[] data, int version) {
    return add(new Op(Kind.SET, path, data, version));
  }

  public ZkTxn delete(String path, int version) {
    return add(new Op(Kind.DELETE, path, null, version));
  }

  public ZkTxn check(String path, int version) {
    return add(new Op(Kind.CHECK, path, null, version));
  }

  private ZkTxn add(Op op) {
    ops.add(op);
    bytes += op.size();
    return this;
  }

  /** The estimated serialized size in bytes. */
  public long bytes() {
    return bytes;
  }

  public int size() {
    return ops.size();
  }

  public List<Op> ops() {
    return List.copyOf(ops);
  }

  /** Throws INVALID_ARGUMENT naming the size and the limit when the transaction is too large. */
  public void checkSize(String what) {
    if (bytes > MAX_BYTES) {
      throw SwitchplaneException.invalid(
          "%s is too large for one ZooKeeper transaction: about %,d bytes in %,d writes, the limit is %,d bytes "
              + "(%d KiB); split it into smaller change sets (each is applied atomically on its own)",
          what, bytes, ops.size(), MAX_BYTES, MAX_BYTES / 1024);
    }
  }

  /**
   * Runs the transaction atomically. When ZooKeeper refuses it, nothing was written and explain
   * turns the first refused op into the domain failure (returning null falls back to {@link
   * ZkErrors#translate}).
   */
  public void commit(
      CuratorFramework client, String what, Function<Rejection, SwitchplaneException> explain) {
    if (ops.isEmpty()) {
      return;
    }
    List<CuratorOp> curatorOps = new ArrayList<>(ops.size());
    TransactionOp t = client.transactionOp();
    try {
      for (Op op : ops) {
        curatorOps.add(
            switch (op.kind()) {
              case CREATE -> t.create().forPath(op.path(), op.data());
              case SET -> t.setData().withVersion(op.version()).forPath(op.path(), op.data());
              case DELETE -> t.delete().withVersion(op.version()).forPath(op.path());
              case CHECK -> t.check().withVersion(op.version()).forPath(op.path());
            });
      }
      client.transaction().forOperations(curatorOps);
    } catch (KeeperException e) {
      Rejection rejection = rejection(e);
      SwitchplaneException explained = rejection == null ? null : explain.apply(rejection);
      throw explained != null ? explained : ZkErrors.translate(e, what);
    } catch (Exception e) {
      throw ZkErrors.translate(e, what);
    }
  }

  private Rejection rejection(KeeperException e) {
    List<OpResult> results = e.getResults();
    if (results != null) {
      for (int i = 0; i < results.size() && i < ops.size(); i++) {
        if (results.get(i) instanceof OpResult.ErrorResult err
            && err.getErr() != 0
            && err.getErr() != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
          return new Rejection(ops.get(i), KeeperException.Code.get(err.getErr()), e);
        }
      }
    }
    // Connection problems carry no per-op results; they are not a rejection of an op.
    return null;
  }
}
