package io.switchplane.manager.service;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.manager.changeset.EntityWrite;
import io.switchplane.manager.changeset.Plan;
import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Plans that replace a whole configuration (restores) rather than apply operations. */
final class WholePlans {
  private WholePlans() {}

  /**
   * The plan turning before into target, kept at before's id and generation line, generation + 1.
   */
  static Plan replace(DvsConfig before, DvsConfig target) {
    Dvs dvs =
        target.dvs().toBuilder()
            .setId(before.id())
            .setGeneration(before.generation() + 1)
            .setGenerationBase(before.dvs().getGenerationBase())
            .build();
    DvsConfig after = DvsConfig.of(dvs, target.portGroups(), target.ports());
    List<EntityWrite> writes = new ArrayList<>();
    for (PortGroup pg : after.portGroups().values()) {
      PortGroup was = before.portGroups().get(pg.getId());
      if (!pg.equals(was)) {
        writes.add(new EntityWrite.PutPortGroup(pg, was == null));
      }
    }
    for (Port p : after.ports().values()) {
      Port was = before.ports().get(p.getKey());
      if (!p.equals(was)) {
        writes.add(new EntityWrite.PutPort(p, was == null));
      }
    }
    before.ports().keySet().stream()
        .filter(k -> !after.ports().containsKey(k))
        .forEach(k -> writes.add(new EntityWrite.DeletePort(k)));
    before.portGroups().keySet().stream()
        .filter(id -> !after.portGroups().containsKey(id))
        .forEach(id -> writes.add(new EntityWrite.DeletePortGroup(id)));
    Set<String> had =
        before.dvs().getMembersList().stream()
            .map(HostMember::getHostId)
            .collect(Collectors.toSet());
    List<String> added =
        dvs.getMembersList().stream()
            .map(HostMember::getHostId)
            .filter(h -> !had.contains(h))
            .toList();
    return new Plan(before, after, writes, added, List.of());
  }
}
