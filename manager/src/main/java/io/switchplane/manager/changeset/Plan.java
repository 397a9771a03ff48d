package io.switchplane.manager.changeset;

import io.switchplane.manager.model.DvsConfig;
import java.util.List;

/**
 * The outcome of planning a change set: the configuration after it (generation + 1) and what the
 * store must write to get there. Which hosts are affected is the push side's business ({@code
 * AffectedHosts}), so that there is one definition of it.
 *
 * @param before the configuration the plan was made against (its generation is the one the store
 *     checks)
 * @param after the configuration once committed, at before's generation + 1
 * @param writes entity znodes to create, replace or delete, at most one per entity
 * @param addedMembers ids of hosts that joined the DVS (the store checks they are still registered)
 * @param portGroupIds for each port group operation, in order, the id of the port group it touched
 */
public record Plan(
    DvsConfig before,
    DvsConfig after,
    List<EntityWrite> writes,
    List<String> addedMembers,
    List<String> portGroupIds) {

  /**
   * Whether the plan leaves the configuration as it was (every op set what was there already): it
   * must not become a generation nor be pushed.
   */
  public boolean changesNothing() {
    return writes.isEmpty()
        && addedMembers.isEmpty()
        && after.dvs().toBuilder().setGeneration(before.generation()).build().equals(before.dvs());
  }
}
