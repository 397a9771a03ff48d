package io.switchplane.common.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The delays of one retry loop: exponential backoff with a cap, and optional jitter. The first
 * delay after a {@link #reset} (or construction) is the initial one, each further one doubles, up
 * to the maximum. Jitter takes a random part, up to the given fraction, off each delay, so the
 * retries of many loops that failed together (a rack going down) spread out. Thread-safe; one
 * instance belongs to one loop.
 */
public final class Backoff {
  private final long initialMs;
  private final long maxMs;
  private final double jitter;

  /** The current step; 0 while no retry was asked for since the last reset. */
  private long stepMs;

  /**
   * @param jitter the largest fraction taken off a delay at random, in [0, 1); 0: none
   */
  public Backoff(Duration initial, Duration max, double jitter) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initial <= max, was " + initial + " and " + max);
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
    }
    this.initialMs = Math.max(1, initial.toMillis());
    this.maxMs = Math.max(initialMs, max.toMillis());
    this.jitter = jitter;
  }

  /** Without jitter. */
  public Backoff(Duration initial, Duration max) {
    this(initial, max, 0);
  }

  /** Advances one step and returns the delay before the next try, in ms (at least 1). */
  public synchronized long nextMs() {
    stepMs = stepMs == 0 ? initialMs : Math.min(stepMs * 2, maxMs);
    long off = jitter == 0 ? 0 : ThreadLocalRandom.current().nextLong((long) (stepMs * jitter) + 1);
    return Math.max(1, stepMs - off);
  }

  /** As {@link #nextMs()}, as a duration. */
  public Duration next() {
    return Duration.ofMillis(nextMs());
  }

  /** Back to the initial delay (the loop succeeded, or has new work that deserves a prompt try). */
  public synchronized void reset() {
    stepMs = 0;
  }

  /** Whether a delay was taken since the last reset: the loop is retrying a failure. */
  public synchronized boolean retrying() {
    return stepMs > 0;
  }
}
