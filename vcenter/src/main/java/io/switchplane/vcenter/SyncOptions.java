package io.switchplane.vcenter;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link InventorySync} waits, retries and resyncs.
 *
 * @param initialBackoff first wait after a failure, doubled after each further one
 * @param maxBackoff the longest wait between attempts
 * @param safetyResync how often a full resync is done even when nothing failed
 * @param maxWait how long one WaitForUpdatesEx call waits for changes
 * @param connectTimeout TCP connect timeout to vCenter
 */
public record SyncOptions(
    Duration initialBackoff,
    Duration maxBackoff,
    Duration safetyResync,
    Duration maxWait,
    Duration connectTimeout) {
  public SyncOptions {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(safetyResync, "safetyResync");
    Objects.requireNonNull(maxWait, "maxWait");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (maxWait.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "maxWait must be at least 1 s (0 would make WaitForUpdatesEx poll)");
    }
  }

  /** 1 s doubling to 60 s, safety resync every 10 min, 20 s waits, 10 s connect timeout. */
  public static SyncOptions defaults() {
    return new SyncOptions(
        Duration.ofSeconds(1),
        Duration.ofSeconds(60),
        Duration.ofMinutes(10),
        Duration.ofSeconds(20),
        Duration.ofSeconds(10));
  }

  public SyncOptions withBackoff(Duration initial, Duration max) {
    return new SyncOptions(initial, max, safetyResync, maxWait, connectTimeout);
  }

  public SyncOptions withSafetyResync(Duration every) {
    return new SyncOptions(initialBackoff, maxBackoff, every, maxWait, connectTimeout);
  }

  public SyncOptions withMaxWait(Duration wait) {
    return new SyncOptions(initialBackoff, maxBackoff, safetyResync, wait, connectTimeout);
  }
}
