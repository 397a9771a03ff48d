package io.switchplane.manager.snapshot;

import java.time.Duration;

/**
 * How many implicit checkpoints a DVS keeps, and for how long (Junos keeps 50 rollbacks).
 * Operators' own snapshots (manual, imported) are kept until deleted.
 *
 * @param keep checkpoints kept per DVS, newest first; 0 turns checkpoints off
 * @param maxAge checkpoints older than this are removed (the newest one is always kept)
 */
public record SnapshotRetention(int keep, Duration maxAge) {
  public static final SnapshotRetention DEFAULT = new SnapshotRetention(50, Duration.ofDays(30));

  public SnapshotRetention {
    if (keep < 0 || keep > 1_000) {
      throw new IllegalArgumentException("checkpoints to keep must be 0-1000, was " + keep);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("checkpoint age must be positive, was " + maxAge);
    }
  }

  public boolean enabled() {
    return keep > 0;
  }
}
