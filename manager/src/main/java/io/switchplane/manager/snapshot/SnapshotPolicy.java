package io.switchplane.manager.snapshot;

import java.time.Duration;

/**
 * How many implicit checkpoints a DVS keeps, for how long (Junos keeps 50 rollbacks), and how often
 * the newest one is copied to the member agents. Operators' own snapshots (manual, imported) are
 * kept until deleted and copied at once.
 *
 * @param keep checkpoints kept per DVS, newest first; 0 turns checkpoints off
 * @param maxAge checkpoints older than this are removed (the newest one is always kept)
 * @param copyInterval at most one checkpoint copy round per DVS this often (the newest checkpoint
 *     wins, those in between are not copied); zero: checkpoints are not copied
 */
public record SnapshotPolicy(int keep, Duration maxAge, Duration copyInterval) {
  public static final Duration DEFAULT_COPY_INTERVAL = Duration.ofSeconds(10);
  public static final SnapshotPolicy DEFAULT =
      new SnapshotPolicy(50, Duration.ofDays(30), DEFAULT_COPY_INTERVAL);

  public SnapshotPolicy {
    if (keep < 0 || keep > 1_000) {
      throw new IllegalArgumentException("checkpoints to keep must be 0-1000, was " + keep);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("checkpoint age must be positive, was " + maxAge);
    }
    if (copyInterval.isNegative()) {
      throw new IllegalArgumentException(
          "checkpoint copy interval must not be negative, was " + copyInterval);
    }
  }

  public SnapshotPolicy(int keep, Duration maxAge) {
    this(keep, maxAge, DEFAULT_COPY_INTERVAL);
  }

  public boolean enabled() {
    return keep > 0;
  }

  public boolean copiesCheckpoints() {
    return !copyInterval.isZero();
  }
}
