package io.switchplane.manager.reconcile;

import java.time.Duration;

/**
 * How the leader pushes final states to agents.
 *
 * @param maxInFlight most Apply calls in flight at once, over all hosts (1 = one host at a time)
 * @param callDeadline deadline of one Apply call
 * @param initialBackoff first retry delay for a host that failed or was unreachable
 * @param maxBackoff longest retry delay
 */
public record PushSettings(int maxInFlight, Duration callDeadline, Duration initialBackoff, Duration maxBackoff) {
  public static PushSettings defaults() {
    return new PushSettings(512, Duration.ofSeconds(10), Duration.ofMillis(200), Duration.ofSeconds(30));
  }

  public PushSettings {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
    }
  }
}
