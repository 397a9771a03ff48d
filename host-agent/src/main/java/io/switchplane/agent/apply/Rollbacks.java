package io.switchplane.agent.apply;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.agent.store.StateStore;
import io.switchplane.api.v1.ApplyJournal;
import io.switchplane.api.v1.ApplyOutcome;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.diff.PortDiff;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.text.EnumLabels;
import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The confirm deadline and the rollback of the pipeline: arms a timer per pending apply and, when
 * it fires (or when asked), restores the last confirmed state through the backend, like Junos'
 * {@code commit confirmed}. Every method is called with the slot's lock held, except the timer's
 * own entry, which takes it.
 */
final class Rollbacks {
  private static final Logger LOG = LoggerFactory.getLogger(Rollbacks.class);

  /** Wait before trying a failed rollback again (the backend refused it). */
  private static final long RETRY_MS = 1_000;

  private final SwitchBackend backend;
  private final StateStore store;
  private final Clock clock;
  private final ScheduledExecutorService timers;
  private final Function<String, Slot> slots;
  private final AgentMetrics metrics;

  /**
   * The port carrying the agent's management address, recovered on a clone instead of a revert
   * (null: revert).
   */
  private final String managementPort;

  private final PropertyModules modules;

  Rollbacks(
      SwitchBackend backend,
      StateStore store,
      Clock clock,
      ScheduledExecutorService timers,
      Function<String, Slot> slots,
      AgentMetrics metrics,
      String managementPort,
      PropertyModules modules) {
    this.modules = modules;
    this.metrics = metrics;
    this.managementPort = managementPort;
    this.backend = backend;
    this.store = store;
    this.clock = clock;
    this.timers = timers;
    this.slots = slots;
  }

  /** Arms the slot's deadline; one already passed rolls back now with cause. Lock held. */
  void armOrExpire(String dvsId, Slot slot, RollbackCause causeIfPassed) {
    slot.cancelTimer();
    PendingConfirm pending = slot.pending;
    long delay = pending.getDeadlineUnixMs() - clock.millis();
    if (delay <= 0) {
      revertOrRetry(dvsId, slot, causeIfPassed);
      return;
    }
    schedule(dvsId, slot, pending.getNonce(), delay);
  }

  private void schedule(String dvsId, Slot slot, String nonce, long delayMs) {
    try {
      slot.timer = timers.schedule(() -> expire(dvsId, nonce), delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // The agent is closing: the pending confirm stays stored and the next start handles it.
      LOG.debug("DVS {}: confirm timer not armed, the agent is closing", dvsId, e);
    }
  }

  private void expire(String dvsId, String nonce) {
    Slot slot = slots.apply(dvsId);
    slot.lock.lock();
    try {
      PendingConfirm pending = slot.pending;
      if (pending == null || !pending.getNonce().equals(nonce)) {
        return; // confirmed, superseded or rolled back meanwhile
      }
      slot.timer = null;
      revertOrRetry(dvsId, slot, RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT);
    } finally {
      slot.lock.unlock();
    }
  }

  private void revertOrRetry(String dvsId, Slot slot, RollbackCause cause) {
    try {
      if (cause == RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT) {
        if (keepWithManagementClone(dvsId, slot)) {
          return; // it says what it did: the change stays, so this is no rollback
        }
        LOG.warn(
            "DVS {}: no confirm for generation {} by its deadline; rolling back to generation {}",
            dvsId,
            slot.pending.getGeneration(),
            slot.pending.getRevertToGeneration());
      }
      revert(dvsId, slot, cause);
    } catch (RuntimeException e) {
      // Never give up on a rollback: the change may have cut the host off its manager.
      LOG.error("DVS {}: rollback failed, trying again in {} ms", dvsId, RETRY_MS, e);
      schedule(dvsId, slot, slot.pending.getNonce(), RETRY_MS);
    }
  }

  /**
   * With a management port configured, when the unconfirmed change touched it: keeps the whole
   * change, moves the management address onto a host-local clone of the port with its last
   * confirmed settings, and records that. False (revert instead) when the change left the
   * management port alone or the backend has no host-local ports. Lock held.
   */
  private boolean keepWithManagementClone(String dvsId, Slot slot) {
    if (managementPort == null) {
      return false;
    }
    PendingConfirm pending = slot.pending;
    AppliedSwitch current = slot.applied;
    EffectivePort now = current.effective().get(managementPort);
    EffectivePort good =
        pending.getRevertToGeneration() == 0
            ? null
            : store
                .historicState(dvsId, pending.getRevertToGeneration())
                .map(s -> EffectiveStateResolver.resolveAll(s).get(managementPort))
                .orElse(null);
    if (now == null || good == null || now.equals(good)) {
      return false;
    }
    try {
      backend.moveManagementToClone(dvsId, managementPort, good);
    } catch (UnsupportedOperationException | BackendException e) {
      LOG.warn(
          "DVS {}: cannot recover management on a host-local clone ({}); reverting",
          dvsId,
          e.getMessage());
      return false;
    }
    long now2 = clock.millis();
    RollbackEvent event =
        RollbackEvent.newBuilder()
            .setGeneration(pending.getGeneration())
            .setRestoredGeneration(pending.getGeneration())
            .setCause(RollbackCause.ROLLBACK_CAUSE_MANAGEMENT_ON_HOST_LOCAL)
            .setUnixMs(now2)
            .build();
    HistoryEntry kept =
        slot
            .storedPendingEntry(store, dvsId)
            .orElse(HistoryEntry.newBuilder().setGeneration(pending.getGeneration()).build())
            .toBuilder()
            .setOutcome(ApplyOutcome.APPLY_OUTCOME_KEPT_WITH_HOST_LOCAL_MANAGEMENT)
            .setOutcomeUnixMs(now2)
            .build();
    store.rollback(dvsId, current.state(), current.response(), kept, event);
    slot.settle();
    slot.lastRollback = event;
    metrics.rollbacks.labelValues("management_on_host_local").inc();
    LOG.warn(
        "DVS {}: no confirm for generation {}, which changed management port {}: change kept, management "
            + "address moved to a host-local clone with the settings of generation {}",
        dvsId,
        pending.getGeneration(),
        managementPort,
        pending.getRevertToGeneration());
    return true;
  }

  /**
   * After an apply: when the management port's clone carries the address and the port has the
   * clone's settings again (the operator fixed it), moves the address back and drops the clone.
   */
  void releaseManagementClone(String dvsId, AppliedSwitch applied) {
    if (managementPort == null) {
      return;
    }
    EffectivePort port = applied.effective().get(managementPort);
    java.util.Optional<EffectivePort> clone = backend.managementClone(dvsId, managementPort);
    if (port == null || clone.isEmpty() || !policyEquals(port, clone.get())) {
      return;
    }
    try {
      backend.removeManagementClone(dvsId, managementPort);
      LOG.info(
          "DVS {}: management port {} is good again; its host-local clone is removed",
          dvsId,
          managementPort);
    } catch (UnsupportedOperationException | BackendException e) {
      LOG.warn(
          "DVS {}: cannot remove the host-local clone of {}: {}",
          dvsId,
          managementPort,
          e.getMessage());
    }
  }

  private static boolean policyEquals(EffectivePort a, EffectivePort b) {
    return a.getPolicy().equals(b.getPolicy());
  }

  /** Restores the last confirmed state of the slot's pending apply. Lock held. */
  RollbackEvent revert(String dvsId, Slot slot, RollbackCause cause) {
    PendingConfirm pending = slot.pending;
    AppliedSwitch current = slot.applied;
    long target = pending.getRevertToGeneration();
    HostSwitchState restored =
        target == 0
            ? removed(current.state().getDvs(), current.state().getHostId())
            : store
                .historicState(dvsId, target)
                .orElseThrow(
                    () ->
                        new SwitchplaneException(
                            ErrorCode.INTERNAL,
                            "generation "
                                + target
                                + " of DVS "
                                + dvsId
                                + " is not in the store: cannot roll back to it"));
    if (backend.outlivesAgent()) {
      store.journal(
          dvsId,
          ApplyJournal.newBuilder()
              .setGeneration(target)
              .setFromGeneration(current.generation())
              .setStartedUnixMs(clock.millis())
              .setAction("rollback")
              .build());
    }
    Map<String, EffectivePort> effective =
        Collections.unmodifiableMap(EffectiveStateResolver.resolveAll(restored));
    List<PortOp> ops = PortDiff.diff(current.effective(), effective);
    try {
      backend.apply(dvsId, ops);
    } catch (BackendException e) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL,
          "cannot roll back DVS "
              + dvsId
              + " to generation "
              + target
              + " on the "
              + backend.name()
              + " backend: "
              + e.getMessage(),
          e);
    }
    modules.deliverUndo(current.state(), restored);
    long now = clock.millis();
    ChangeSummary summary = PortDiff.summarize(ops, current.effective().size());
    RollbackEvent event =
        RollbackEvent.newBuilder()
            .setGeneration(pending.getGeneration())
            .setRestoredGeneration(target)
            .setCause(cause)
            .setUnixMs(now)
            .setSummary(summary)
            .build();
    ApplyResponse restoredResponse =
        ApplyResponse.newBuilder().setAppliedGeneration(target).setSummary(summary).build();
    HistoryEntry undone =
        slot
            .storedPendingEntry(store, dvsId)
            .orElse(HistoryEntry.newBuilder().setGeneration(pending.getGeneration()).build())
            .toBuilder()
            .setOutcome(ApplyOutcome.APPLY_OUTCOME_ROLLED_BACK)
            .setOutcomeUnixMs(now)
            .setRollbackCause(cause)
            .build();
    store.rollback(dvsId, restored, restoredResponse, undone, event);
    slot.settle();
    slot.applied = new AppliedSwitch(restored, effective, restoredResponse);
    slot.lastRollback = event;
    metrics.rollbacks.labelValues(EnumLabels.metric(cause, "ROLLBACK_CAUSE_")).inc();
    LOG.warn(
        "DVS {}: generation {} rolled back to generation {} ({}): +{} ~{} -{}",
        dvsId,
        pending.getGeneration(),
        target,
        describe(cause),
        summary.getAdded(),
        summary.getUpdated(),
        summary.getRemoved());
    return event;
  }

  /** INVALID_ARGUMENT unless generation and nonce are the pending ones. */
  static void checkPending(String dvsId, PendingConfirm pending, long generation, String nonce) {
    if (generation != pending.getGeneration()) {
      throw invalid(
          "generation %d of DVS %s is not the one awaiting confirm (generation %d is)",
          generation, dvsId, pending.getGeneration());
    }
    if (!pending.getNonce().equals(nonce)) {
      throw invalid(
          "wrong nonce for generation %d of DVS %s: use the nonce of its Apply answer",
          generation, dvsId);
    }
  }

  /**
   * The FAILED_PRECONDITION for a confirm or rollback with nothing pending, saying what became of
   * generation.
   */
  static SwitchplaneException nothingPending(
      String dvsId, long generation, Optional<HistoryEntry> entry, Slot slot) {
    RollbackEvent last = slot.lastRollback;
    if (entry.isPresent() && entry.get().getOutcome() == ApplyOutcome.APPLY_OUTCOME_ROLLED_BACK) {
      long restored =
          last != null && last.getGeneration() == generation
              ? last.getRestoredGeneration()
              : slot.confirmedGeneration();
      return precondition(
          "nothing awaits confirm on DVS %s: generation %d was rolled back at %s (%s); "
              + "the host is at generation %d",
          dvsId,
          generation,
          java.time.Instant.ofEpochMilli(entry.get().getOutcomeUnixMs()),
          describe(entry.get().getRollbackCause()),
          restored);
    }
    return precondition(
        "nothing awaits confirm on DVS %s (generation %d is not pending; the host is at "
            + "generation %d)",
        dvsId, generation, slot.confirmedGeneration());
  }

  static String describe(RollbackCause cause) {
    return switch (cause) {
      case ROLLBACK_CAUSE_CONFIRM_TIMEOUT -> "no confirm before the deadline";
      case ROLLBACK_CAUSE_REQUESTED -> "the manager asked for it";
      case ROLLBACK_CAUSE_DEADLINE_PASSED_WHILE_DOWN ->
          "the confirm deadline passed while the agent was down";
      case ROLLBACK_CAUSE_OPERATOR -> "an operator restored an earlier generation";
      case ROLLBACK_CAUSE_MANAGEMENT_ON_HOST_LOCAL ->
          "kept; management moved to a host-local clone";
      default -> cause.name();
    };
  }

  private static HostSwitchState removed(Dvs dvs, String hostId) {
    return HostSwitchState.newBuilder()
        .setHostId(hostId)
        .setMember(false)
        .setDvs(dvs.toBuilder().setGeneration(0).clearMembers())
        .build();
  }
}
