package io.switchplane.manager.reconcile;

import java.time.Duration;

/**
 * How the leader pushes final states to agents.
 *
 * @param maxInFlight most Apply calls in flight at once, over all hosts (1 = one host at a time)
 * @param callDeadline deadline of one Apply call
 * @param initialBackoff first retry delay for a host that failed or was unreachable
 * @param maxBackoff longest retry delay
 * @param driftCheck how often the leader reads every in-sync host's switch for drift (changes made
 *     by hand); zero: never
 * @param autoRectify whether drift found that way is brought back at once
 */
public record PushSettings(
    int maxInFlight,
    Duration callDeadline,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration driftCheck,
    boolean autoRectify) {
  public static PushSettings defaults() {
    return new PushSettings(
        512,
        Duration.ofSeconds(10),
        Duration.ofMillis(200),
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        false);
  }

  public PushSettings(
      int maxInFlight, Duration callDeadline, Duration initialBackoff, Duration maxBackoff) {
    this(maxInFlight, callDeadline, initialBackoff, maxBackoff, Duration.ZERO, false);
  }

  public PushSettings withDriftCheck(Duration every, boolean rectify) {
    return new PushSettings(maxInFlight, callDeadline, initialBackoff, maxBackoff, every, rectify);
  }

  public PushSettings {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
    }
  }
}
