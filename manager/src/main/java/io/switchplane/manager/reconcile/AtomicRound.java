package io.switchplane.manager.reconcile;

/**
 * Collects the hosts' results of one atomic change set (the coordinator's side of a two-phase
 * commit where the agents' pending confirm is the "prepared" state). Called by the pushers, each
 * host at most once with a final result; must not block.
 */
public interface AtomicRound {
  /** The host applied the generation and awaits a decision. */
  void applied(String hostId);

  /** The host could not apply the generation (refused, failed or unreachable); why says so. */
  void failed(String hostId, String why);
}
