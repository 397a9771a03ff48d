package io.switchplane.agent.store;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import java.util.List;
import java.util.Optional;

/**
 * Durable state of an agent's proxy switches. An interface so that the apply pipeline can be
 * tested against a store that fails; {@link RocksStateStore} is the implementation.
 * Every method throws {@link StoreException} when the storage fails.
 */
public interface StateStore {
  /** How many applied states are kept per DVS. */
  int HISTORY_LIMIT = 50;

  /** Every stored switch, removed ones (member=false) included, so that their generation stays known. */
  List<StoredSwitch> loadAll();

  /**
   * Durably records, in one synced write, that state was applied: it becomes the current
   * state of its DVS, response the answer to repeats of its generation, and (entry, state) the
   * newest history record; history beyond {@link #HISTORY_LIMIT} is dropped in the same write.
   */
  void commit(HostSwitchState state, ApplyResponse response, HistoryEntry entry);

  /** The history of dvsId, newest first, at most {@link #HISTORY_LIMIT} entries. */
  List<HistoryEntry> history(String dvsId);

  /** The state applied at generation of dvsId, if still kept in the history. */
  Optional<HostSwitchState> historicState(String dvsId, long generation);
}
