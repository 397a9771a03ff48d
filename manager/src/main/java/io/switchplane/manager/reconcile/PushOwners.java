package io.switchplane.manager.reconcile;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.PushOwner;
import java.util.Optional;

/**
 * Who this manager pushes a DVS as (leadership per DVS): the {@link PushOwner} every Apply, Confirm
 * and Rollback of the DVS carries, so that the agent refuses a push from an owner whose epoch is
 * older than one it has applied. Asked right before each call is sent, so a manager that lost the
 * DVS (or its ZooKeeper connection) stops at its next call.
 */
@FunctionalInterface
public interface PushOwners {
  /** No fencing: pushes carry no owner (the single-leader manager, tests of one class). */
  PushOwners UNFENCED = dvsId -> Optional.of(PushOwner.getDefaultInstance());

  /** This manager's owner id and epoch for dvsId; empty when it does not own it now. */
  Optional<PushOwner> of(String dvsId);

  /** The failure of a call not sent because this manager does not own dvsId now. */
  static StatusRuntimeException notOwner(String dvsId) {
    return Status.UNAVAILABLE
        .withDescription("this manager does not own DVS " + dvsId + " now; the call was not sent")
        .asRuntimeException();
  }
}
