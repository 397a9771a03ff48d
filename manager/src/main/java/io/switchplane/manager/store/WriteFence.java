package io.switchplane.manager.store;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * What every ZooKeeper write for one DVS adds to its transaction so that only the DVS's owner can
 * write it (leadership per DVS): {@link #owner} checks the owner record at the writer's epoch (see
 * {@link OwnerStore#fence}). A new DVS is created unfenced (it has no owner yet).
 */
@FunctionalInterface
public interface WriteFence {
  /** No fence: the single-leader manager, where the leader latch alone decides who writes. */
  WriteFence NONE = (txn, dvsId, dvsName) -> {};

  /**
   * Adds the check to txn; throws UNAVAILABLE (reason {@link ErrorReason#NOT_DVS_OWNER}) without
   * writing when this manager does not own dvsId now.
   */
  void add(ZkTxn txn, String dvsId, String dvsName);

  /** The fence of a manager that owns a DVS at the epoch epochs gives (empty: not the owner). */
  static WriteFence owner(Function<String, OptionalLong> epochs) {
    return (txn, dvsId, dvsName) -> {
      OptionalLong epoch = epochs.apply(dvsId);
      if (epoch.isEmpty()) {
        throw new SwitchplaneException(
                ErrorCode.UNAVAILABLE,
                "this manager does not own DVS '" + dvsName + "' now; nothing was written, retry")
            .because(ErrorReason.NOT_DVS_OWNER);
      }
      OwnerStore.fence(txn, dvsId, epoch.getAsLong());
    };
  }
}
