package io.switchplane.agent.apply;

import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.modules.ModuleFailure;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.util.List;
import java.util.Optional;

/**
 * The property-module step of an apply: after the backend, before the persist. A refusing
 * module fails the apply like the backend would: the switch is taken back and the answer is
 * ABORTED.
 */
final class ModuleStep {
  private final PropertyModules modules;
  private final SwitchSteps switchSteps;

  ModuleStep(PropertyModules modules, SwitchSteps switchSteps) {
    this.modules = modules;
    this.switchSteps = switchSteps;
  }

  /** Hands the modules what changed from before to after; returns how many effective values changed. */
  int deliver(String dvsId, long generation, HostSwitchState before, HostSwitchState after, List<PortOp> ops) {
    try {
      return modules.deliver(before, after);
    } catch (ModuleFailure e) {
      Optional<BackendException> refused;
      try {
        refused = switchSteps.takeBack(dvsId, generation, ops, "a module refused it");
      } catch (RuntimeException journal) {
        // The switch is back; only the journal could not be dropped, and the next start replays
        // it onto the same stored state. The module's refusal stays the answer.
        e.addSuppressed(journal);
        refused = Optional.empty();
      }
      // Neither state on the switch when the undo is refused: the answer must not claim it was taken back.
      String outcome = refused.map(r -> " and it could not be undone on the switch (" + r.getMessage()
          + "); the next start brings the switch back to the stored state").orElse("; the switch was taken back");
      SwitchplaneException failure = new SwitchplaneException(ErrorCode.ABORTED, String.format(
          "generation %d of DVS %s not applied: %s%s", generation, dvsId, e.getMessage(), outcome), e);
      refused.ifPresent(failure::addSuppressed);
      throw failure;
    }
  }
}
