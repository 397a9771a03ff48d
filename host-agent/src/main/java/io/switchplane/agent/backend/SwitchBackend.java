package io.switchplane.agent.backend;

import io.switchplane.api.v1.EffectivePort;
import io.switchplane.common.diff.PortOp;
import java.util.List;
import java.util.Map;

/**
 * Where the ports of a host's proxy switches really live (an in-process model, Open vSwitch...).
 *
 * <p>Contract of {@link #apply}: all or nothing. When it throws, the backend is exactly as it was
 * before the call; the apply pipeline relies on this to leave the host untouched on failure. Each
 * DVS is a separate proxy switch keyed by its id; a backend creates a switch on its first
 * operation. Calls for one DVS never overlap (the pipeline serialises them), calls for different
 * DVSes may.
 */
public interface SwitchBackend extends AutoCloseable {

  /** Short name, e.g. "memory"; reported by GetState. */
  String name();

  /** The ports the backend really has on the proxy switch of dvsId (empty when it has none). */
  Map<String, EffectivePort> ports(String dvsId);

  /**
   * Removes what a write the agent's crash interrupted left beside the switch's ports (a half
   * written temporary file); called once at start, before the switch is repaired. Nothing by
   * default: a real switch commits its own transactions whole.
   */
  default void removeLeftovers() {}

  /**
   * Whether the switch outlives the agent process (a real switch, the file backend). Only then can
   * a crash leave it half-changed, so only then does the pipeline journal its intent before
   * touching it; a volatile switch is rebuilt from the store at start anyway.
   */
  default boolean outlivesAgent() {
    return true;
  }

  /**
   * The ports as the backend reported them right after the last successful apply of dvsId; a
   * backend that gets them back with the apply itself (ovs) saves a second read. Defaults to {@link
   * #ports}.
   */
  default Map<String, EffectivePort> observedAfterApply(String dvsId) {
    return ports(dvsId);
  }

  /**
   * Creates a host-local clone of port key with config (its last good settings), outside the DVS,
   * and moves the port's management address (and MAC) onto it, so that the management path works
   * again while the port itself keeps a bad change. Backends without addresses cannot: they throw
   * UnsupportedOperationException and the agent reverts instead.
   */
  default void moveManagementToClone(String dvsId, String key, EffectivePort config)
      throws BackendException {
    throw new UnsupportedOperationException(name() + " backend has no host-local ports");
  }

  /** The config of port key's host-local clone, if one carries the management address now. */
  default java.util.Optional<EffectivePort> managementClone(String dvsId, String key) {
    return java.util.Optional.empty();
  }

  /** Moves the management address back onto port key and removes its clone. */
  default void removeManagementClone(String dvsId, String key) throws BackendException {
    throw new UnsupportedOperationException(name() + " backend has no host-local ports");
  }

  /**
   * Announces a VM NIC's MAC from its port, as the port's new home after a migration's switch-over:
   * a RARP frame (as vMotion sends) that enters the switch from the port, so the switch and the
   * fabric beyond the uplinks learn where the MAC lives now. Best-effort, called after the apply
   * that unblocked the port; nothing by default (a backend without a data plane sends nothing).
   */
  default void announce(String dvsId, EffectivePort port) throws BackendException {}

  /** Applies ops in order, all or nothing. */
  void apply(String dvsId, List<PortOp> ops) throws BackendException;

  /** Releases the backend's resources; narrowed so that callers need not catch Exception. */
  @Override
  void close();
}
