package io.switchplane.agent.apply;

import io.switchplane.agent.store.StateStore;
import io.switchplane.agent.store.StoreException;
import io.switchplane.agent.store.StoredSwitch;
import io.switchplane.api.v1.ApplyJournal;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackEvent;
import java.util.List;
import java.util.Optional;

/**
 * A real store of which one write of an apply fails ("disk full"): the commit, or the journal
 * written before the switch is touched; everything else goes to it.
 */
final class RefusingStore implements StateStore {
  private final StateStore store;
  private final boolean refuseJournal;

  private RefusingStore(StateStore store, boolean refuseJournal) {
    this.store = store;
    this.refuseJournal = refuseJournal;
  }

  static RefusingStore commit(StateStore store) {
    return new RefusingStore(store, false);
  }

  static RefusingStore journal(StateStore store) {
    return new RefusingStore(store, true);
  }

  @Override
  public List<StoredSwitch> loadAll() {
    return store.loadAll();
  }

  @Override
  public HistoryEntry commit(
      HostSwitchState state, ApplyResponse response, HistoryEntry entry, PendingConfirm pending) {
    if (!refuseJournal) {
      throw new StoreException("disk full", null);
    }
    return store.commit(state, response, entry, pending);
  }

  @Override
  public void journal(String dvsId, ApplyJournal journal) {
    if (refuseJournal) {
      throw new StoreException("disk full", null);
    }
    store.journal(dvsId, journal);
  }

  @Override
  public void clearJournal(String dvsId) {
    store.clearJournal(dvsId);
  }

  @Override
  public void confirm(String dvsId, HistoryEntry entry) {
    store.confirm(dvsId, entry);
  }

  @Override
  public void rollback(
      String dvsId,
      HostSwitchState restoredState,
      ApplyResponse restoredResponse,
      HistoryEntry undone,
      RollbackEvent event) {
    store.rollback(dvsId, restoredState, restoredResponse, undone, event);
  }

  @Override
  public Optional<HistoryEntry> historyEntry(String dvsId, long generation) {
    return store.historyEntry(dvsId, generation);
  }

  @Override
  public List<HistoryEntry> history(String dvsId) {
    return store.history(dvsId);
  }

  @Override
  public Optional<HostSwitchState> historicState(String dvsId, long generation) {
    return store.historicState(dvsId, generation);
  }
}
