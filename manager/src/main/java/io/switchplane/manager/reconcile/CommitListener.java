package io.switchplane.manager.reconcile;

import io.switchplane.manager.model.DvsConfig;

/** Told by the store side of every committed change, in commit order, on the leader. */
public interface CommitListener {
  /** A change set committed; before is null when the DVS was just created. */
  void committed(DvsConfig before, DvsConfig after);

  /** A DVS was deleted; last is its final configuration. Members must remove their proxy switch. */
  void deleted(DvsConfig last);
}
