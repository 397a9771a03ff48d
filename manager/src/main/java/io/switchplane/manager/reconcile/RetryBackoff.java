package io.switchplane.manager.reconcile;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One pusher's retries: exponential backoff with jitter, and the retry it has scheduled. Not
 * thread-safe by itself: it is part of its {@link HostPusher}'s state, guarded by that pusher's
 * lock like the pusher's other fields.
 */
final class RetryBackoff {
  private final ScheduledExecutorService scheduler;
  private final long initialMs;
  private final long maxMs;
  private long backoffMs;
  private ScheduledFuture<?> retry;

  RetryBackoff(ScheduledExecutorService scheduler, Duration initial, Duration max) {
    this.scheduler = scheduler;
    this.initialMs = initial.toMillis();
    this.maxMs = max.toMillis();
  }

  /** Back to a prompt first try (a new desired state, or an apply that went through). */
  void reset() {
    backoffMs = 0;
  }

  /** Whether the last attempt failed and was retried (no success or reset since). */
  boolean retrying() {
    return backoffMs > 0;
  }

  /**
   * Schedules task after the next backoff step and returns its delay (at least 1 ms).
   *
   * @throws java.util.concurrent.RejectedExecutionException when the scheduler is closing; the
   *     backoff has advanced all the same
   */
  long schedule(Runnable task) {
    backoffMs = backoffMs == 0 ? initialMs : Math.min(backoffMs * 2, maxMs);
    // Jitter spreads the retries of many hosts that failed together (a rack going down).
    long delayMs = Math.max(1, backoffMs - ThreadLocalRandom.current().nextLong(backoffMs / 5 + 1));
    retry = scheduler.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    return delayMs;
  }

  /** The scheduled retry ran: there is nothing left to cancel. */
  void fired() {
    retry = null;
  }

  void cancel() {
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
  }
}
