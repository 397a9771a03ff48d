package io.switchplane.agent.apply;

import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.modules.ModuleFailure;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.agent.store.StateStore;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.common.diff.PortDiff;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The property-module step of an apply: after the backend, before the persist. A refusing
 * module fails the apply like the backend would: the switch is taken back and the answer is
 * ABORTED.
 */
final class ModuleStep {
  private static final Logger LOG = LoggerFactory.getLogger(ModuleStep.class);

  private final SwitchBackend backend;
  private final StateStore store;
  private final PropertyModules modules;

  ModuleStep(SwitchBackend backend, StateStore store, PropertyModules modules) {
    this.backend = backend;
    this.store = store;
    this.modules = modules;
  }

  /** Hands the modules what changed from before to after; returns how many effective values changed. */
  int deliver(String dvsId, long generation, HostSwitchState before, HostSwitchState after, List<PortOp> ops) {
    try {
      return modules.deliver(before, after);
    } catch (ModuleFailure e) {
      SwitchplaneException failure = new SwitchplaneException(ErrorCode.ABORTED, String.format(
          "generation %d of DVS %s not applied: %s; the switch was taken back", generation, dvsId, e.getMessage()), e);
      try {
        backend.apply(dvsId, PortDiff.inverse(ops));
        if (backend.outlivesAgent()) {
          store.clearJournal(dvsId);
        }
      } catch (BackendException undo) {
        // The journal stays: the next start brings the backend back to the stored state.
        LOG.error("DVS {}: cannot undo generation {} on the {} backend after a module refused it", dvsId, generation,
            backend.name(), undo);
        failure.addSuppressed(undo);
      }
      throw failure;
    }
  }
}
