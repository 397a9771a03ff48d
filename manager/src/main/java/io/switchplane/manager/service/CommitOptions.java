package io.switchplane.manager.service;

import io.switchplane.common.error.SwitchplaneException;

/**
 * How a change set is pushed.
 *
 * @param atomic all hosts or none ({@link AtomicCommits}); false: best-effort
 * @param confirmTimeoutMs the agents' confirm timeout, 2 s to 1 h (0: 30 s)
 */
public record CommitOptions(boolean atomic, long confirmTimeoutMs) {
  public static final long DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
  public static final CommitOptions DEFAULT = new CommitOptions(false, DEFAULT_CONFIRM_TIMEOUT_MS);

  public CommitOptions {
    if (confirmTimeoutMs == 0) {
      confirmTimeoutMs = DEFAULT_CONFIRM_TIMEOUT_MS;
    }
    if (confirmTimeoutMs < 2_000 || confirmTimeoutMs > 3_600_000) {
      throw SwitchplaneException.invalid(
          "confirm timeout %d ms is outside 2,000 ms to 3,600,000 ms (2 s to 1 h)",
          confirmTimeoutMs);
    }
  }
}
