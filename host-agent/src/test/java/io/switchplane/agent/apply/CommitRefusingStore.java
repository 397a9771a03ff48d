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

/** A real store whose commit of an apply fails ("disk full"); everything else goes to it. */
final class CommitRefusingStore implements StateStore {
  private final StateStore store;

  CommitRefusingStore(StateStore store) {
    this.store = store;
  }

  @Override
  public List<StoredSwitch> loadAll() {
    return store.loadAll();
  }

  @Override
  public HistoryEntry commit(
      HostSwitchState state, ApplyResponse response, HistoryEntry entry, PendingConfirm pending) {
    throw new StoreException("disk full", null);
  }

  @Override
  public void journal(String dvsId, ApplyJournal journal) {
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
