package io.switchplane.agent.apply;

import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.fault.AgentFaults;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.agent.store.StateStore;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.common.diff.PortDiff;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.fault.FaultPoints;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of an apply that change the switch and the store, each leaving the host as it was
 * when it fails: the backend apply (undone by the backend itself: ABORTED) and the persist (the
 * switch taken back here: INTERNAL). {@link ModuleStep} takes the switch back the same way.
 */
final class SwitchSteps {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchSteps.class);

  private final SwitchBackend backend;
  private final StateStore store;
  private final FaultPoints faults;
  private final PropertyModules modules;

  SwitchSteps(SwitchBackend backend, StateStore store, FaultPoints faults, PropertyModules modules) {
    this.backend = backend;
    this.store = store;
    this.faults = faults;
    this.modules = modules;
  }

  /** Applies ops to the backend, all or nothing; a refusal drops the journal and is ABORTED. */
  void apply(String dvsId, long generation, List<PortOp> ops) {
    try {
      int first = AgentFaults.opsBeforeStop(faults, ops.size());
      if (first > 0) {
        backend.apply(dvsId, ops.subList(0, first));
        faults.reached(AgentFaults.AFTER_OP);
      }
      backend.apply(dvsId, ops);
    } catch (BackendException e) {
      if (backend.outlivesAgent()) {
        store.clearJournal(dvsId);
      }
      throw new SwitchplaneException(ErrorCode.ABORTED, String.format(
          "generation %d of DVS %s not applied: %s; the operations already done were undone",
          generation, dvsId, e.getMessage()), e);
    }
  }

  /**
   * Stores desired (synced) with its answer, history entry and pending confirm; when the store
   * refuses, the modules and the switch (ops, applied already) are taken back to previousState.
   */
  void persist(HostSwitchState desired, ApplyResponse response, HistoryEntry entry, PendingConfirm pending,
      HostSwitchState previousState, List<PortOp> ops) {
    try {
      store.commit(desired, response, entry, pending);
    } catch (RuntimeException e) {
      modules.deliverUndo(desired, previousState);
      throw persistFailed(desired.getDvs().getId(), desired.getDvs().getGeneration(), ops, e);
    }
  }

  /** Takes the backend back to the previous state after the store refused the new one. */
  private SwitchplaneException persistFailed(String dvsId, long generation, List<PortOp> ops, RuntimeException cause) {
    SwitchplaneException failure = new SwitchplaneException(ErrorCode.INTERNAL, String.format(
        "generation %d of DVS %s not applied: cannot persist it (%s); the switch was taken back",
        generation, dvsId, cause.getMessage()), cause);
    try {
      Optional<BackendException> refused = takeBack(dvsId, generation, ops, "a store failure; the switch drifted");
      if (refused.isPresent()) {
        // Neither state on the switch now: the answer must not claim it was taken back.
        failure = new SwitchplaneException(ErrorCode.INTERNAL, String.format(
            "generation %d of DVS %s not applied: cannot persist it (%s) and cannot undo it on the switch (%s)",
            generation, dvsId, cause.getMessage(), refused.get().getMessage()), cause);
        failure.addSuppressed(refused.get());
      }
    } catch (RuntimeException e) {
      // The journal stays: the next start brings the backend back to the stored state.
      failure.addSuppressed(e);
    }
    return failure;
  }

  /**
   * Applies the inverse of ops (of generation, applied already) and drops the journal. A backend
   * refusal is logged and returned; the journal then stays, so the next start brings the
   * backend back to the stored state. An unchecked failure of the backend (the OVS backend's
   * lost OVSDB session) is such a refusal too: the switch was not taken back. Only the journal's
   * own failure is thrown, once the switch is back.
   *
   * @param after what refused the apply, for the log
   */
  Optional<BackendException> takeBack(String dvsId, long generation, List<PortOp> ops, String after) {
    try {
      backend.apply(dvsId, PortDiff.inverse(ops));
    } catch (BackendException | RuntimeException e) {
      LOG.error("DVS {}: cannot undo generation {} on the {} backend after {}", dvsId, generation, backend.name(),
          after, e);
      return Optional.of(e instanceof BackendException refused ? refused : new BackendException(e.toString(), e));
    }
    if (backend.outlivesAgent()) {
      store.clearJournal(dvsId);
    }
    return Optional.empty();
  }
}
