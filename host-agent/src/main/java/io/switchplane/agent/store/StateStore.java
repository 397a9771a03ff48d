package io.switchplane.agent.store;

import io.switchplane.api.v1.ApplyJournal;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.diff.PortChanges;
import java.util.List;
import java.util.Optional;

/**
 * Durable state of an agent's proxy switches. An interface so that the apply pipeline can be tested
 * against a store that fails; {@link RocksStateStore} is the implementation. Every method throws
 * {@link StoreException} when the storage fails, and every write is one synced batch: after a crash
 * each write is either whole or absent.
 */
public interface StateStore {
  /** How many applied states are kept per DVS. */
  int HISTORY_LIMIT = 50;

  /**
   * Every stored switch, removed ones (member=false) included, so that their generation stays
   * known.
   */
  List<StoredSwitch> loadAll();

  /**
   * Records, before the backend is touched, that an apply of journal.generation begins. Need not be
   * synced: a start makes the backend match the stored state with or without it.
   */
  void journal(String dvsId, ApplyJournal journal);

  /** Drops the journal of dvsId (the interrupted or failed apply was undone on the backend). */
  void clearJournal(String dvsId);

  /**
   * Records that state was applied: it becomes the current state of its DVS, response the answer to
   * repeats of its generation, (entry, state) the newest history record, pending the confirm it
   * waits for (null: none); the journal is dropped. History beyond {@link #HISTORY_LIMIT} is
   * dropped in the same write, except the generation a pending confirm would restore. A rollback
   * entry (kind ROLLBACK, sequence 0) becomes a row of its own, numbered next, and leaves the row
   * of its generation as it was; rollback rows beyond the limit are dropped likewise.
   *
   * @return entry as stored (a rollback row with its sequence)
   */
  HistoryEntry commit(
      HostSwitchState state, ApplyResponse response, HistoryEntry entry, PendingConfirm pending);

  /**
   * {@link #commit(HostSwitchState, ApplyResponse, HistoryEntry, PendingConfirm)}, told which ports
   * of state differ from base, the state the caller last had written (a hint: a store that last
   * wrote another state, or that cannot use it, compares the ports itself).
   *
   * @param changes {@link PortChanges#between}(base, state)
   */
  default HistoryEntry commit(
      HostSwitchState state,
      HostSwitchState base,
      PortChanges changes,
      ApplyResponse response,
      HistoryEntry entry,
      PendingConfirm pending) {
    return commit(state, response, entry, pending);
  }

  /**
   * Records that the pending apply of dvsId was confirmed: entry replaces its history entry (the
   * generation's row, or the rollback row of the same sequence).
   */
  void confirm(String dvsId, HistoryEntry entry);

  /**
   * Records that the pending apply of dvsId was undone: restoredState (the last confirmed state, or
   * a removed switch at generation 0 when none was ever confirmed) is current again with
   * restoredResponse as its answer, undone replaces the history entry of the undone generation,
   * event becomes the last rollback; pending and journal are dropped.
   */
  void rollback(
      String dvsId,
      HostSwitchState restoredState,
      ApplyResponse restoredResponse,
      HistoryEntry undone,
      RollbackEvent event);

  /**
   * The history of dvsId, newest first (by the time applied): at most {@link #HISTORY_LIMIT} rows
   * of generations applied and as many rollback rows.
   */
  List<HistoryEntry> history(String dvsId);

  /** The newest history entry of one generation (its row, or a rollback to it), if kept. */
  Optional<HistoryEntry> historyEntry(String dvsId, long generation);

  /** The state applied at generation of dvsId, if still kept in the history. */
  Optional<HostSwitchState> historicState(String dvsId, long generation);
}
