package io.switchplane.agent.apply;

import io.switchplane.agent.store.StateStore;
import io.switchplane.api.v1.ApplyOutcome;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's answer to a pending apply: confirm makes it permanent, rollback undoes it now
 * (through {@link Rollbacks}). Each takes the lock of the DVS's slot, like an apply.
 */
final class Confirms {
  private static final Logger LOG = LoggerFactory.getLogger(Confirms.class);

  private final StateStore store;
  private final Clock clock;
  private final Function<String, Slot> slots;
  private final Rollbacks rollbacks;
  private final AgentMetrics counters;

  /**
   * @param slots the slot of a DVS, made when missing
   */
  Confirms(
      StateStore store,
      Clock clock,
      Function<String, Slot> slots,
      Rollbacks rollbacks,
      AgentMetrics counters) {
    this.store = store;
    this.clock = clock;
    this.slots = slots;
    this.rollbacks = rollbacks;
    this.counters = counters;
  }

  /** See {@link ApplyPipeline#confirm}. */
  ConfirmResponse confirm(String dvsId, long generation, String nonce) {
    Slot slot = slots.apply(dvsId);
    slot.lock.lock();
    try {
      PendingConfirm pending = slot.pending;
      if (pending == null) {
        Optional<HistoryEntry> entry = store.historyEntry(dvsId, generation);
        if (entry.isPresent()
            && entry.get().getOutcome() == ApplyOutcome.APPLY_OUTCOME_CONFIRMED
            && slot.applied != null
            && slot.applied.generation() == generation
            && slot.applied.response().getNonce().equals(nonce)) {
          return ConfirmResponse.newBuilder()
              .setConfirmedGeneration(generation)
              .setAlreadyConfirmed(true)
              .build();
        }
        throw Rollbacks.nothingPending(dvsId, generation, entry, slot);
      }
      Rollbacks.checkPending(dvsId, pending, generation, nonce);
      long now = clock.millis();
      HistoryEntry stored =
          slot.storedPendingEntry(store, dvsId)
              .orElseThrow(
                  () ->
                      new SwitchplaneException(
                          ErrorCode.INTERNAL,
                          "no history entry for pending generation "
                              + generation
                              + " of DVS "
                              + dvsId));
      HistoryEntry entry =
          stored.toBuilder()
              .setOutcome(ApplyOutcome.APPLY_OUTCOME_CONFIRMED)
              .setOutcomeUnixMs(now)
              .build();
      store.confirm(dvsId, entry);
      counters.confirms.inc();
      slot.settle();
      LOG.debug(
          "DVS {}: generation {} confirmed {} ms before its deadline",
          dvsId,
          generation,
          pending.getDeadlineUnixMs() - now);
      return ConfirmResponse.newBuilder().setConfirmedGeneration(generation).build();
    } finally {
      slot.lock.unlock();
    }
  }

  /** See {@link ApplyPipeline#rollback}. */
  RollbackEvent rollback(String dvsId, long generation, String nonce) {
    Slot slot = slots.apply(dvsId);
    slot.lock.lock();
    try {
      PendingConfirm pending = slot.pending;
      if (pending == null) {
        throw Rollbacks.nothingPending(
            dvsId, generation, store.historyEntry(dvsId, generation), slot);
      }
      Rollbacks.checkPending(dvsId, pending, generation, nonce);
      return rollbacks.revert(dvsId, slot, RollbackCause.ROLLBACK_CAUSE_REQUESTED);
    } finally {
      slot.lock.unlock();
    }
  }
}
