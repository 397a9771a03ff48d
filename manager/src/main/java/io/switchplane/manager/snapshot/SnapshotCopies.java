package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.Host;
import java.util.List;

/** Where stored snapshots are copied: the member agents (storage independent of the manager's). */
public interface SnapshotCopies {
  SnapshotCopies NONE = (snapshot, members) -> {};

  /**
   * Copies a durable snapshot to the members, in the background; never throws for an agent's
   * failure.
   */
  void copy(DvsSnapshot snapshot, List<Host> members);
}
