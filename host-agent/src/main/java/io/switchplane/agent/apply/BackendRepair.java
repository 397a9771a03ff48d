package io.switchplane.agent.apply;

import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.store.StateStore;
import io.switchplane.agent.store.StoredSwitch;
import io.switchplane.api.v1.ApplyJournal;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.diff.PortDiff;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the backend equal to what the store says the host applied: at start (after a crash, an
 * interrupted apply is thereby undone or finished, and a confirm deadline that passed while the
 * agent was down rolls back), and on an operator's request when the switch drifted.
 */
final class BackendRepair {
  private static final Logger LOG = LoggerFactory.getLogger(BackendRepair.class);

  private final SwitchBackend backend;
  private final StateStore store;
  private final Function<String, Slot> slot;
  private final Function<String, Slot> existing;
  private final Rollbacks rollbacks;

  /**
   * @param slot the slot of a DVS, made when missing
   * @param existing the slot of a DVS, or null
   */
  BackendRepair(
      SwitchBackend backend,
      StateStore store,
      Function<String, Slot> slot,
      Function<String, Slot> existing,
      Rollbacks rollbacks) {
    this.backend = backend;
    this.store = store;
    this.slot = slot;
    this.existing = existing;
    this.rollbacks = rollbacks;
  }

  /**
   * Clears what interrupted backend writes left, then loads every stored switch and makes the
   * backend match it; call once, before serving. An interrupted apply (journal present) is thereby
   * undone or finished: the store holds the old state if the crash came before the persist, the new
   * one after. Pending confirms are armed again; one whose deadline passed while the agent was down
   * is rolled back now.
   */
  void recover() {
    backend.removeLeftovers();
    for (StoredSwitch stored : store.loadAll()) {
      String dvsId = stored.dvsId();
      Map<String, EffectivePort> effective =
          Collections.unmodifiableMap(EffectiveStateResolver.resolveAll(stored.state()));
      List<PortOp> ops = PortDiff.diff(backend.ports(dvsId), effective);
      try {
        backend.apply(dvsId, ops);
      } catch (BackendException e) {
        throw new SwitchplaneException(
            ErrorCode.INTERNAL,
            "cannot restore generation "
                + stored.state().getDvs().getGeneration()
                + " of DVS "
                + dvsId
                + " on the "
                + backend.name()
                + " backend: "
                + e.getMessage(),
            e);
      }
      if (stored.journal() != null) {
        ApplyJournal j = stored.journal();
        LOG.warn(
            "DVS {}: the {} of generation {} was interrupted (agent stopped); the switch is back at "
                + "stored generation {} ({} backend operations)",
            dvsId,
            j.getAction(),
            j.getGeneration(),
            stored.state().getDvs().getGeneration(),
            ops.size());
        store.clearJournal(dvsId);
      }
      Slot slot = this.slot.apply(dvsId);
      slot.applied = new AppliedSwitch(stored.state(), effective, stored.response());
      slot.pending = stored.pending();
      slot.pendingEntry = null; // read from the store by a confirm
      slot.lastRollback = stored.lastRollback();
      LOG.info(
          "restored DVS {} at generation {}: {} ports, {} backend operations{}",
          dvsId,
          stored.state().getDvs().getGeneration(),
          effective.size(),
          ops.size(),
          stored.pending() == null ? "" : ", awaiting confirm");
      if (stored.pending() != null) {
        slot.lock.lock();
        try {
          rollbacks.armOrExpire(
              dvsId, slot, RollbackCause.ROLLBACK_CAUSE_DEADLINE_PASSED_WHILE_DOWN);
        } finally {
          slot.lock.unlock();
        }
      }
    }
  }

  /** Keys of the ports where the backend differs from what dvsId applied (drift), sorted. */
  List<String> drift(String dvsId) {
    Slot slot = existing.apply(dvsId);
    AppliedSwitch applied = slot == null ? null : slot.applied;
    if (applied == null) {
      return List.of();
    }
    return driftedKeys(backend.ports(dvsId), applied.effective());
  }

  /**
   * Keys of the ports where has (the backend) differs from effective (what was applied), sorted.
   */
  static List<String> driftedKeys(
      Map<String, EffectivePort> has, Map<String, EffectivePort> effective) {
    List<String> keys = new ArrayList<>();
    for (PortOp op : PortDiff.diff(has, effective)) {
      keys.add(op.key());
    }
    keys.sort(Comparator.naturalOrder());
    return keys;
  }

  /**
   * Brings the backend of dvsId back to the applied state where it drifted; returns what changed.
   */
  ChangeSummary rectify(String dvsId) {
    Slot slot = existing.apply(dvsId);
    if (slot == null || slot.applied == null) {
      throw SwitchplaneException.notFound("no state for DVS '%s' on this host", dvsId);
    }
    slot.lock.lock();
    try {
      Map<String, EffectivePort> has = backend.ports(dvsId);
      List<PortOp> ops = PortDiff.diff(has, slot.applied.effective());
      try {
        backend.apply(dvsId, ops);
      } catch (BackendException e) {
        throw new SwitchplaneException(
            ErrorCode.ABORTED,
            "cannot rectify DVS "
                + dvsId
                + ": "
                + e.getMessage()
                + "; the switch was left as it was",
            e);
      }
      if (!ops.isEmpty()) {
        LOG.warn(
            "DVS {}: {} drifted port(s) brought back to generation {}",
            dvsId,
            ops.size(),
            slot.applied.generation());
      }
      return PortDiff.summarize(ops, has.size());
    } finally {
      slot.lock.unlock();
    }
  }
}
