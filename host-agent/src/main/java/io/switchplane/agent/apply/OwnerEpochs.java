package io.switchplane.agent.apply;

import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.PushOwner;
import io.switchplane.common.error.ErrorReason;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest DVS owner epoch this agent has applied a generation from, per DVS: a push (Apply,
 * Confirm, Rollback) carrying an older epoch comes from a manager that lost the DVS to another, and
 * is refused with FAILED_PRECONDITION and reason {@link ErrorReason#STALE_OWNER_EPOCH}, changing
 * nothing. Epoch 0 is an unfenced caller (a tool) and is not checked.
 *
 * <p>Durable: the epoch is stored with each applied generation (its history row's owner, in the
 * same synced write as the state), and {@link #load} takes the newest from the history at start.
 * Callers hold the DVS's apply lock around {@link #check} and {@link #applied}.
 */
final class OwnerEpochs {
  private final Map<String, Long> newest = new ConcurrentHashMap<>();

  /** Takes the newest epoch of dvsId's stored history (at start, before serving). */
  void load(String dvsId, Collection<HistoryEntry> history) {
    history.stream()
        .mapToLong(e -> e.getOwner().getEpoch())
        .max()
        .ifPresent(e -> newest.merge(dvsId, e, Math::max));
  }

  /** FAILED_PRECONDITION (STALE_OWNER_EPOCH) when owner's epoch is older than dvsId's newest. */
  void check(String dvsId, PushOwner owner, String what) {
    long seen = newest.getOrDefault(dvsId, 0L);
    if (owner.getEpoch() != 0 && owner.getEpoch() < seen) {
      throw precondition(
              "%s of DVS %s refused: manager %s pushes as owner epoch %d, but this host has applied epoch %d "
                  + "(another manager owns the DVS now)",
              what, dvsId, owner.getManagerId(), owner.getEpoch(), seen)
          .because(ErrorReason.STALE_OWNER_EPOCH);
    }
  }

  /** owner's generation of dvsId is stored: its epoch is the newest if it is newer. */
  void applied(String dvsId, PushOwner owner) {
    newest.merge(dvsId, owner.getEpoch(), Math::max);
  }

  /** The newest epoch applied for dvsId (0: none). */
  long newest(String dvsId) {
    return newest.getOrDefault(dvsId, 0L);
  }
}
