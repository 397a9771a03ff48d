package io.switchplane.manager.store;

import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.changeset.Plan;

/**
 * Znodes outside the DVS that follow its entities and must change in the same transaction as a
 * change set (VMkernel ports' address records): {@link DvsStore} adds them to every change set it
 * commits, whichever path planned it (operators, atomic aborts, restores, migrations), so a crash
 * leaves both or neither.
 */
public interface PlanRecords {
  PlanRecords NONE =
      new PlanRecords() {
        @Override
        public void addTo(ZkTxn txn, Plan plan) {}

        @Override
        public SwitchplaneException explain(ZkTxn.Rejection r) {
          return null;
        }
      };

  /** Adds the ops that plan calls for; may read ZooKeeper. */
  void addTo(ZkTxn txn, Plan plan);

  /** The refusal of one of the ops it added, explained; null when the op is not one of its own. */
  SwitchplaneException explain(ZkTxn.Rejection r);
}
