package io.switchplane.manager.owners;

import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.CommitListener;
import io.switchplane.manager.reconcile.CommittedChange;
import io.switchplane.manager.reconcile.PushIntent;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Leadership per DVS: the DVSes this manager deleted while it owned them, with the epoch it owned
 * them at. Deleting a DVS ends its ownership (no manager claims a DVS that is gone), but its
 * tombstones still have to reach the member hosts: the deleter keeps pushing them as their owner at
 * that last epoch, which no other manager can hold (the DVS is not claimed again unless it is
 * recreated under its id, and then {@link #forget} ends this).
 *
 * <p>Told of deletions as a {@link CommitListener} (under the DVS's lock, after the store deleted
 * it, while this manager still owned it).
 */
public final class OwnedDeletions implements CommitListener {
  private final Function<String, OptionalLong> epochs;
  private final Map<String, Long> deleted = new ConcurrentHashMap<>();

  /**
   * @param epochs the epoch at which this manager owns a DVS now (empty: it does not)
   */
  public OwnedDeletions(Function<String, OptionalLong> epochs) {
    this.epochs = epochs;
  }

  @Override
  public void deleted(DvsConfig last) {
    epochs.apply(last.id()).ifPresent(e -> deleted.put(last.id(), e));
  }

  /** Whether this manager deleted dvsId while owning it (its tombstones are its to push). */
  public boolean deleted(String dvsId) {
    return deleted.containsKey(dvsId);
  }

  /** The epoch this manager pushes dvsId's tombstones at; empty unless it deleted it. */
  public OptionalLong epoch(String dvsId) {
    Long e = deleted.get(dvsId);
    return e == null ? OptionalLong.empty() : OptionalLong.of(e);
  }

  /** dvsId is owned again (recreated under its id): its old tombstones are no longer pushed. */
  public void forget(String dvsId) {
    deleted.remove(dvsId);
  }

  @Override
  public void committed(CommittedChange change, PushIntent intent) {}

  @Override
  public void decided(
      String dvsId, long generation, Collection<String> hostIds, boolean commit, String why) {}
}
