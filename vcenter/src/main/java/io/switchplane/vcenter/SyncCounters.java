package io.switchplane.vcenter;

import java.time.Duration;
import java.time.Instant;

/** The sync thread's running numbers behind {@link SyncStatus}; written by that thread only. */
final class SyncCounters {
  Instant lastFullSync = Instant.EPOCH;
  Instant lastUpdate = Instant.EPOCH;
  Duration lag = Duration.ZERO;
  long updates;
  long fullSyncs;
  int failures;
  Instant nextRetry = Instant.EPOCH;

  SyncStatus status(SyncStatus.State state, String message, String version) {
    return new SyncStatus(
        state,
        message,
        lastFullSync,
        lastUpdate,
        version,
        lag,
        updates,
        fullSyncs,
        failures,
        nextRetry);
  }
}
