package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.RestoreMode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.DvsConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Stage: the configuration a restore writes, per mode (vSphere's import types). Pure: the caller
 * commits it through the normal path, which validates it and pushes it with confirm.
 *
 * <ul>
 *   <li>same DVS: the snapshot's content as it was, ids included; the store gives it the next
 *       generation;
 *   <li>new identifiers: a new DVS id and port group ids, port keys kept, generation 1;
 *   <li>original identifiers: the snapshot's ids, continuing its generations (generation + 1), so
 *       that hosts that still hold the snapshot's generation accept the rebuilt DVS's next change;
 *   <li>existing DVS: the target keeps its id (and name unless renamed); port groups that share a
 *       name with one of the target's keep the target's id, the others get new ids.
 * </ul>
 */
public final class RestorePlanner {
  private final Supplier<String> ids;

  public RestorePlanner(Supplier<String> ids) {
    this.ids = ids;
  }

  /**
   * The configuration to write. current is the DVS restored onto (SAME_DVS, EXISTING_DVS), else
   * null.
   *
   * @throws SwitchplaneException INVALID_ARGUMENT for a missing or bad mode or name
   */
  public DvsConfig plan(DvsConfig snapshot, RestoreMode mode, DvsConfig current, String newName) {
    return switch (mode) {
      case RESTORE_MODE_SAME_DVS -> snapshot;
      case RESTORE_MODE_ORIGINAL_IDENTIFIERS -> continuing(snapshot, snapshot.generation());
      case RESTORE_MODE_NEW_IDENTIFIERS -> {
        if (newName.isEmpty()) {
          throw SwitchplaneException.invalid(
              "restoring as a new DVS with new identifiers needs new_name"
                  + " (--name): the snapshot's DVS name '%s' may still be in use",
              snapshot.dvs().getName());
        }
        ModelValidator.validateName(newName, "DVS");
        Dvs dvs =
            snapshot.dvs().toBuilder()
                .setId(ids.get())
                .setName(newName)
                .setGeneration(1)
                .clearGenerationBase()
                .build();
        yield remap(snapshot, dvs, Map.of());
      }
      case RESTORE_MODE_EXISTING_DVS -> {
        String name = newName.isEmpty() ? current.dvs().getName() : newName;
        ModelValidator.validateName(name, "DVS");
        Dvs dvs =
            snapshot.dvs().toBuilder()
                .setId(current.id())
                .setName(name)
                .setGeneration(current.generation())
                .setGenerationBase(current.dvs().getGenerationBase())
                .build();
        Map<String, PortGroup> byName = new HashMap<>();
        current.portGroups().values().forEach(pg -> byName.put(pg.getName(), pg));
        yield remap(snapshot, dvs, byName);
      }
      case RESTORE_MODE_UNSPECIFIED, UNRECOGNIZED ->
          throw SwitchplaneException.invalid(
              "restore mode is required: same-dvs, new-identifiers, original-identifiers or existing-dvs");
    };
  }

  /**
   * The snapshot with its original identifiers at the first generation above `above`, its znode
   * starting there (generation_base), so that hosts holding older ones take it.
   */
  static DvsConfig continuing(DvsConfig snapshot, long above) {
    long generation = above + 1;
    Dvs dvs =
        snapshot.dvs().toBuilder().setGeneration(generation).setGenerationBase(generation).build();
    return DvsConfig.of(dvs, snapshot.portGroups(), snapshot.ports());
  }

  /**
   * The snapshot's port groups and ports under dvs, port groups with ids (and logical network ids
   * and owners) from keep (by name) or new ones: a copy beside its original is another logical
   * network, and operators'.
   */
  private DvsConfig remap(DvsConfig snapshot, Dvs dvs, Map<String, PortGroup> keep) {
    Map<String, String> newIds = new HashMap<>();
    Map<String, PortGroup> groups = new LinkedHashMap<>();
    for (PortGroup pg : snapshot.portGroups().values()) {
      PortGroup kept = keep.get(pg.getName());
      String id = kept != null ? kept.getId() : ids.get();
      String logical = kept != null ? kept.getLogicalNetworkId() : UUID.randomUUID().toString();
      // The owner goes with the logical network: a copy is no network its manager published.
      String owner = kept != null ? kept.getOwner() : "";
      newIds.put(pg.getId(), id);
      groups.put(
          id,
          pg.toBuilder()
              .setId(id)
              .setDvsId(dvs.getId())
              .setLogicalNetworkId(logical)
              .setOwner(owner)
              .build());
    }
    Map<String, Port> ports = new LinkedHashMap<>();
    for (Port p : snapshot.ports().values()) {
      ports.put(
          p.getKey(),
          p.toBuilder()
              .setDvsId(dvs.getId())
              .setPortGroupId(newIds.get(p.getPortGroupId()))
              .build());
    }
    return DvsConfig.of(dvs, groups, ports);
  }
}
