package io.switchplane.manager.reconcile;

import io.switchplane.manager.model.DvsConfig;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Tells several {@link CommitListener}s, in the order added: the push engine first, then the parts
 * that only react to a change (the VM trackers). Listeners added after the first commit hear only
 * later ones. Every listener is told even when an earlier one throws; the first failure is then
 * rethrown with the others suppressed.
 */
public final class CommitListeners implements CommitListener {
  private final List<CommitListener> listeners = new CopyOnWriteArrayList<>();

  public CommitListeners(CommitListener first) {
    listeners.add(first);
  }

  public void add(CommitListener listener) {
    listeners.add(listener);
  }

  @Override
  public void committed(CommittedChange change, PushIntent intent) {
    tell(l -> l.committed(change, intent));
  }

  @Override
  public void decided(
      String dvsId, long generation, Collection<String> hostIds, boolean commit, String why) {
    tell(l -> l.decided(dvsId, generation, hostIds, commit, why));
  }

  @Override
  public void deleted(DvsConfig last) {
    tell(l -> l.deleted(last));
  }

  private void tell(Consumer<CommitListener> call) {
    RuntimeException first = null;
    for (CommitListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
