package io.switchplane.agent.apply;

import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.fault.AgentFaults;
import io.switchplane.agent.modules.ModuleFailure;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.agent.store.StateStore;
import io.switchplane.api.v1.ApplyJournal;
import io.switchplane.api.v1.ApplyOutcome;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HistoryEntryKind;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.PushOwner;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.diff.LayeredMap;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.diff.PortDiff;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.fault.FaultPoints;
import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One apply of a final host state as a local transaction, all or nothing: check the generation and
 * any pending confirm, journal the intent (synced, for a backend that outlives the agent), resolve
 * the effective ports incrementally and diff them, apply the difference to the backend, hand the
 * property modules what changed, persist (synced) with a pending confirm, read a real switch back.
 * {@link #run} either returns the {@link Committed} result, which the pipeline installs, or throws
 * with the host as it was, after the one {@link #undo} took back what the steps done so far
 * changed:
 *
 * <ul>
 *   <li>the backend refuses: it undid its own operations; the journal is dropped (ABORTED);
 *   <li>a module refuses: the switch is taken back (ABORTED);
 *   <li>the store refuses: the modules and the switch are taken back (INTERNAL).
 * </ul>
 *
 * When the switch cannot be taken back, the answer says so and the journal stays: the next start
 * brings the backend to the stored state. Runs with the DVS's slot lock held.
 */
final class ApplyTransaction {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyTransaction.class);

  /** What a transaction needs of the agent: the same for every apply. */
  record Parts(
      SwitchBackend backend,
      StateStore store,
      PropertyModules modules,
      Clock clock,
      FaultPoints faults) {}

  /** A committed apply: what the slot holds from now on. */
  record Committed(
      AppliedSwitch applied, PendingConfirm pending, HistoryEntry entry, boolean superseded) {}

  /** How far the transaction got; {@link #undo} takes back the changes of every step reached. */
  private enum Reached {
    NOTHING,
    JOURNAL,
    SWITCH,
    MODULES
  }

  private final Parts parts;
  private final PushOwner owner;
  private final String dvsId;

  /** The DVS as operators know it, for messages: its name ('dvs1'), else its id. */
  private final String dvsLabel;

  private final long generation;
  private final HostSwitchState desired;
  private final AppliedSwitch current;
  private final PendingConfirm pending;

  /** Which ports of desired differ from current's state. */
  private final PortChanges changes;

  private Reached reached = Reached.NOTHING;
  private List<PortOp> ops = List.of();

  /**
   * @param current what the switch has applied (null: nothing yet)
   * @param pending the apply awaiting confirm now (null: none)
   */
  ApplyTransaction(
      Parts parts, HostSwitchState desired, AppliedSwitch current, PendingConfirm pending) {
    this(
        parts,
        desired,
        current,
        pending,
        PortChanges.between(current == null ? null : current.state(), desired),
        PushOwner.getDefaultInstance());
  }

  /**
   * @param changes {@link PortChanges#between}(current's state, desired), when the caller found
   *     them already (validating)
   * @param owner who pushes desired (recorded in its history row)
   */
  ApplyTransaction(
      Parts parts,
      HostSwitchState desired,
      AppliedSwitch current,
      PendingConfirm pending,
      PortChanges changes,
      PushOwner owner) {
    this.owner = owner;
    this.parts = parts;
    this.changes = changes;
    this.desired = desired;
    this.dvsId = desired.getDvs().getId();
    this.dvsLabel =
        desired.getDvs().getName().isEmpty() ? dvsId : "'" + desired.getDvs().getName() + "'";
    this.generation = desired.getDvs().getGeneration();
    this.current = current;
    this.pending = pending;
  }

  /**
   * The answer of a repeated apply of the generation applied now (idempotent: the switch is not
   * touched again), or empty when this is a new one.
   */
  Optional<ApplyResponse> alreadyApplied() {
    return current != null && generation == current.generation()
        ? Optional.of(
            current.response().toBuilder()
                .setAlreadyApplied(true)
                // Answers stored before realized networks were reported have none.
                .clearRealizedLogicalNetworks()
                .addAllRealizedLogicalNetworks(current.tally().realized(current.state()))
                .build())
        : Optional.empty();
  }

  /**
   * Runs the transaction.
   *
   * @param timeoutMs the confirm timeout
   * @param supersedes the nonce of the pending apply this one replaces ("" for none)
   * @param restoring an operator's restore of an earlier generation (the only way back)
   * @param startNanos when the call started, for the answer's apply time
   * @param stages times the stages for the answer
   */
  Committed run(long timeoutMs, String supersedes, boolean restoring, long startNanos) {
    return run(timeoutMs, supersedes, restoring, startNanos, new ApplyStages(startNanos));
  }

  /** {@link #run(long, String, boolean, long)}, timing its stages in stages. */
  Committed run(
      long timeoutMs, String supersedes, boolean restoring, long startNanos, ApplyStages stages) {
    check(supersedes, restoring);
    try {
      return commit(timeoutMs, restoring, startNanos, stages);
    } catch (SwitchplaneException e) {
      throw undo(e);
    }
  }

  private void check(String supersedes, boolean restoring) {
    if (current != null && generation < current.generation() && !restoring) {
      throw precondition(
              "generation %d of DVS %s is older than the applied generation %d",
              generation, dvsLabel, current.generation())
          .because(ErrorReason.HOLDS_NEWER_GENERATION);
    }
    if (pending != null && !pending.getNonce().equals(supersedes)) {
      throw precondition(
              "generation %d of DVS %s is awaiting confirm (rolls back in %d ms unless confirmed); "
                  + "a new apply must wait for the confirm or rollback, or supersede it with its nonce",
              pending.getGeneration(),
              dvsLabel,
              Math.max(0, pending.getDeadlineUnixMs() - parts.clock().millis()))
          .because(ErrorReason.AWAITING_CONFIRM);
    }
  }

  private Committed commit(long timeoutMs, boolean restoring, long startNanos, ApplyStages stages) {
    SwitchBackend backend = parts.backend();
    long previousGeneration = current == null ? 0 : current.generation();
    if (backend.outlivesAgent()) {
      parts
          .store()
          .journal(
              dvsId,
              ApplyJournal.newBuilder()
                  .setGeneration(generation)
                  .setFromGeneration(previousGeneration)
                  .setStartedUnixMs(parts.clock().millis())
                  .setAction("apply")
                  .build());
      reached = Reached.JOURNAL;
      stages.mark(ApplyStages.Stage.JOURNAL);
    }
    parts.faults().reached(AgentFaults.AFTER_JOURNAL);

    HostSwitchState previousState = current == null ? null : current.state();
    Map<String, EffectivePort> previous = current == null ? Map.of() : current.effective();
    EffectiveStateResolver.Result resolved =
        EffectiveStateResolver.resolve(previousState, previous, desired, changes);
    // A layered map is immutable already, and must stay one for the next apply to share it.
    Map<String, EffectivePort> next =
        resolved.ports() instanceof LayeredMap
            ? resolved.ports()
            : Collections.unmodifiableMap(resolved.ports());
    ops = PortDiff.diff(previous, next, resolved.touched());
    stages.mark(ApplyStages.Stage.DIFF);
    applyToSwitch();
    reached = Reached.SWITCH;
    stages.mark(ApplyStages.Stage.BACKEND);
    int propertyChanges = deliverToModules(previousState);
    reached = Reached.MODULES;
    stages.mark(ApplyStages.Stage.MODULES);
    parts.faults().reached(AgentFaults.BEFORE_PERSIST);

    long now = parts.clock().millis();
    PendingConfirm nextPending =
        PendingConfirm.newBuilder()
            .setGeneration(generation)
            .setNonce(UUID.randomUUID().toString())
            .setDeadlineUnixMs(now + timeoutMs)
            .setRevertToGeneration(
                pending != null ? pending.getRevertToGeneration() : previousGeneration)
            .build();
    // Tallied by difference, as the effective ports are resolved: no walk over every port.
    PortTally tally =
        current == null || changes.whole() ? PortTally.of(desired) : current.tally().after(changes);
    ChangeSummary summary =
        PortDiff.summarize(ops, previous.size()).toBuilder()
            .setPropertyChanges(propertyChanges)
            .build();
    ApplyResponse response =
        ApplyResponse.newBuilder()
            .addAllUnclaimedNamespaces(parts.modules().unclaimed(tally.namespaces(desired)))
            .setAppliedGeneration(generation)
            .setSummary(summary)
            .setApplyMicros(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos))
            .setNonce(nextPending.getNonce())
            .setConfirmDeadlineUnixMs(nextPending.getDeadlineUnixMs())
            .addAllRealizedLogicalNetworks(tally.realized(desired))
            .build();
    HistoryEntry.Builder row =
        HistoryEntry.newBuilder()
            .setGeneration(generation)
            .setAppliedUnixMs(now)
            .setSummary(summary)
            .setOutcome(ApplyOutcome.APPLY_OUTCOME_PENDING)
            .setKind(HistoryEntryKind.HISTORY_ENTRY_KIND_APPLY)
            .setOwner(owner);
    if (restoring) {
      row.setKind(HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK)
          .setFromGeneration(previousGeneration)
          .setReason(RollbackCause.ROLLBACK_CAUSE_OPERATOR);
    }
    HistoryEntry entry = persist(response, row.build(), nextPending);
    stages.mark(ApplyStages.Stage.PERSIST);
    parts.faults().reached(AgentFaults.AFTER_PERSIST);
    readBack(next);
    return new Committed(
        new AppliedSwitch(desired, next, response, tally), nextPending, entry, pending != null);
  }

  /** The backend applies ops all or nothing: when it refuses, it has undone its own. */
  private void applyToSwitch() {
    SwitchBackend backend = parts.backend();
    try {
      int first = AgentFaults.opsBeforeStop(parts.faults(), ops.size());
      if (first > 0) {
        backend.apply(dvsId, ops.subList(0, first));
        parts.faults().reached(AgentFaults.AFTER_OP);
      }
      backend.apply(dvsId, ops);
    } catch (BackendException e) {
      throw new SwitchplaneException(
          ErrorCode.ABORTED,
          String.format(
              "generation %d of DVS %s not applied: %s; the operations already done were undone",
              generation, dvsLabel, e.getMessage()),
          e);
    }
  }

  /**
   * Hands the modules what changed; returns how many effective values changed. A refusal is
   * ABORTED.
   */
  private int deliverToModules(HostSwitchState previousState) {
    try {
      return parts.modules().deliver(previousState, desired, changes);
    } catch (ModuleFailure e) {
      throw new SwitchplaneException(
          ErrorCode.ABORTED,
          String.format(
              "generation %d of DVS %s not applied: %s", generation, dvsLabel, e.getMessage()),
          e);
    }
  }

  private HistoryEntry persist(
      ApplyResponse response, HistoryEntry entry, PendingConfirm nextPending) {
    try {
      return parts
          .store()
          .commit(
              desired,
              current == null ? null : current.state(),
              changes,
              response,
              entry,
              nextPending);
    } catch (RuntimeException e) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL,
          String.format(
              "generation %d of DVS %s not applied: cannot persist it (%s)",
              generation, dvsLabel, e.getMessage()),
          e);
    }
  }

  /** A real switch is read back: what it reports must be what was just applied. */
  private void readBack(Map<String, EffectivePort> next) {
    SwitchBackend backend = parts.backend();
    if (!backend.outlivesAgent()) {
      return;
    }
    List<PortOp> drift = PortDiff.diff(backend.observedAfterApply(dvsId), next);
    if (!drift.isEmpty()) {
      LOG.warn(
          "DVS {}: after applying generation {} the {} backend differs on {} port(s) (first: {}); "
              + "'switchplane host rectify' brings them back",
          dvsId,
          generation,
          backend.name(),
          drift.size(),
          drift.get(0).key());
    }
  }

  /**
   * Takes back what the steps reached changed, newest first, and returns the failure to answer
   * with: failure, saying whether the switch was taken back.
   */
  private SwitchplaneException undo(SwitchplaneException failure) {
    if (reached == Reached.MODULES) {
      parts.modules().deliverUndo(desired, current == null ? null : current.state());
    }
    if (reached == Reached.MODULES || reached == Reached.SWITCH) {
      return takeBackSwitch(failure);
    }
    if (reached == Reached.JOURNAL) {
      parts.store().clearJournal(dvsId); // the backend undid its own operations, if it did any
    }
    return failure;
  }

  /**
   * Applies the inverse of the ops applied and drops the journal. A backend that refuses (or fails
   * unchecked, like the OVS backend's lost OVSDB session) leaves the journal, so that the next
   * start brings the switch to the stored state; the answer then says the switch was not taken
   * back.
   */
  private SwitchplaneException takeBackSwitch(SwitchplaneException failure) {
    SwitchBackend backend = parts.backend();
    try {
      backend.apply(dvsId, PortDiff.inverse(ops));
    } catch (BackendException | RuntimeException e) {
      LOG.error(
          "DVS {}: cannot undo generation {} on the {} backend after {}",
          dvsId,
          generation,
          backend.name(),
          failure.getMessage(),
          e);
      SwitchplaneException told =
          new SwitchplaneException(
              failure.code(),
              failure.getMessage()
                  + " and it could not be undone on the switch ("
                  + (e instanceof BackendException ? e.getMessage() : e)
                  + "); the next start brings the switch back to the stored state",
              failure.getCause());
      told.addSuppressed(e);
      return told;
    }
    if (backend.outlivesAgent()) {
      try {
        parts.store().clearJournal(dvsId);
      } catch (RuntimeException journal) {
        // The switch is back; the next start replays the journal onto the same stored state.
        failure.addSuppressed(journal);
      }
    }
    return new SwitchplaneException(
        failure.code(), failure.getMessage() + "; the switch was taken back", failure.getCause());
  }
}
