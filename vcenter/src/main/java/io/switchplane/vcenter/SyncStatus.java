package io.switchplane.vcenter;

import java.time.Duration;
import java.time.Instant;

/**
 * Where the inventory sync of one vCenter stands, for {@code vcenter status}.
 *
 * @param state what the sync is doing
 * @param message the last problem in words an operator can act on ("" when none)
 * @param lastFullSync when the last full resync finished (EPOCH: never)
 * @param lastUpdate when the last incremental update was applied (EPOCH: never)
 * @param version the property collector version of the current view
 * @param lag from a change in vCenter to the tracker's view having it, for the last change seen
 *     (ZERO: none measured yet); see InventorySync for how it is measured
 * @param updates incremental update batches applied since start
 * @param fullSyncs full resyncs done since start
 * @param failures consecutive failed attempts (0 when synced)
 * @param nextRetry when the next attempt is due while retrying (EPOCH otherwise)
 */
public record SyncStatus(
    State state,
    String message,
    Instant lastFullSync,
    Instant lastUpdate,
    String version,
    Duration lag,
    long updates,
    long fullSyncs,
    int failures,
    Instant nextRetry) {

  /** Sync states. */
  public enum State {
    /** Logging in or running the first full sync. */
    CONNECTING,
    /** Logged in and following updates. */
    SYNCED,
    /** Unreachable, session lost or a failed call: retrying with backoff. */
    RETRYING,
    /** vCenter refused the user name or password; retried with backoff like RETRYING. */
    AUTH_FAILED,
    /** Closed. */
    STOPPED
  }
}
