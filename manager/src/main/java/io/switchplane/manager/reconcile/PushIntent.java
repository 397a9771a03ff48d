package io.switchplane.manager.reconcile;

/**
 * How one generation goes to its hosts: the agents' confirm timeout, and, for an atomic change set,
 * the round that collects every host's result and decides (null: best-effort, each host confirmed
 * on its own as soon as it applied).
 */
public record PushIntent(long confirmTimeoutMs, AtomicRound round) {
  public static final long DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
  public static final PushIntent BEST_EFFORT = new PushIntent(DEFAULT_CONFIRM_TIMEOUT_MS, null);

  public PushIntent {
    if (confirmTimeoutMs == 0) {
      confirmTimeoutMs = DEFAULT_CONFIRM_TIMEOUT_MS;
    }
  }

  public static PushIntent bestEffort(long confirmTimeoutMs) {
    return new PushIntent(confirmTimeoutMs, null);
  }

  public boolean atomic() {
    return round != null;
  }
}
