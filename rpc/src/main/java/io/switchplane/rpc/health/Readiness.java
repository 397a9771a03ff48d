package io.switchplane.rpc.health;

import java.util.Optional;

/**
 * Whether a server can do its work now, as {@code /readyz} and the gRPC health service report it:
 * empty when ready, else a short reason for an operator ("no ZooKeeper session", "recovering").
 * Implementations answer from state they keep; asking does no I/O.
 */
@FunctionalInterface
public interface Readiness {
  /** Always ready: a process with nothing to wait for. */
  Readiness ALWAYS = Optional::empty;

  /** Empty when ready; otherwise why not, in a few words. */
  Optional<String> notReadyReason();
}
