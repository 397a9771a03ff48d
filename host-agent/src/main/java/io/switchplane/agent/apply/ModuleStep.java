package io.switchplane.agent.apply;

import io.switchplane.agent.modules.ModuleFailure;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.util.List;

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
      SwitchplaneException failure = new SwitchplaneException(ErrorCode.ABORTED, String.format(
          "generation %d of DVS %s not applied: %s; the switch was taken back", generation, dvsId, e.getMessage()), e);
      switchSteps.takeBack(dvsId, generation, ops, "a module refused it").ifPresent(failure::addSuppressed);
      throw failure;
    }
  }
}
