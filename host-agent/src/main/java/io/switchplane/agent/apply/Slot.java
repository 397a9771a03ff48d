package io.switchplane.agent.apply;

import io.switchplane.agent.store.StateStore;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackEvent;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One proxy switch inside the pipeline: its apply lock and what it has. The volatile fields are
 * written under the lock and read without it (queries); the timer only under the lock.
 */
final class Slot {
  final ReentrantLock lock = new ReentrantLock();

  /** What the switch has applied (null until the first apply). */
  volatile AppliedSwitch applied;

  /**
   * The applied state as an apply of this process checked it (null: none): a new state is checked
   * for what it changes only when the applied state is this one. Lock held.
   */
  HostSwitchState validated;

  /**
   * The applied state when an apply of this process found its port keys strictly ascending (null:
   * not known), so that the next apply's {@link io.switchplane.common.diff.PortChanges} need not
   * check their order again. Lock held.
   */
  HostSwitchState ascending;

  /** The apply waiting for Confirm, or null. */
  volatile PendingConfirm pending;

  /**
   * The history entry stored with the pending apply (outcome PENDING), so that a confirm need not
   * read it back; null when not known here (after a restart it is read from the store). Lock held.
   */
  HistoryEntry pendingEntry;

  /** The last rollback, or null. */
  volatile RollbackEvent lastRollback;

  /**
   * Ports that arrived by a migration's switch-over in the pending apply (or one it superseded),
   * announced once it is confirmed ({@link Announcements}). Guarded by lock.
   */
  java.util.List<String> arrivals = java.util.List.of();

  /** Fires the rollback at the pending deadline. */
  ScheduledFuture<?> timer;

  /**
   * The history entry of the pending apply as stored (outcome PENDING): the one kept here, else
   * read back (after a restart). Lock held; something must be pending.
   */
  Optional<HistoryEntry> storedPendingEntry(StateStore store, String dvsId) {
    long generation = pending.getGeneration();
    if (pendingEntry != null && pendingEntry.getGeneration() == generation) {
      return Optional.of(
          pendingEntry); // as written with the pending apply: no need to read it back
    }
    return store.historyEntry(dvsId, generation);
  }

  /** Nothing is pending any more (confirmed, kept or undone): drops it and its timer. Lock held. */
  void settle() {
    cancelTimer();
    pending = null;
    pendingEntry = null;
  }

  void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** The last confirmed generation: the pending one's revert target, else the applied one. */
  long confirmedGeneration() {
    PendingConfirm p = pending;
    if (p != null) {
      return p.getRevertToGeneration();
    }
    AppliedSwitch a = applied;
    return a == null ? 0 : a.generation();
  }
}
