package io.switchplane.manager.reconcile;

import io.switchplane.manager.model.DvsConfig;
import java.util.Collection;

/** Told by the store side of every committed change, in commit order, on the leader. */
public interface CommitListener {
  /** A change set committed (with the hosts it affects); intent says how it goes out. */
  void committed(CommittedChange change, PushIntent intent);

  /**
   * The decision of an atomic change set at generation: the hosts that applied it are confirmed
   * (commit) or rolled back; why is recorded as an event.
   */
  void decided(
      String dvsId, long generation, Collection<String> hostIds, boolean commit, String why);

  /** A DVS was deleted; last is its final configuration. Members must remove their proxy switch. */
  void deleted(DvsConfig last);
}
