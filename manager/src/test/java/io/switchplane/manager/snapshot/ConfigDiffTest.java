package io.switchplane.manager.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EntityChange;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.manager.model.DvsConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {
  private static final Function<String, String> NAMES = h -> h;

  @Test
  void aScopedDiffComparesOnlyWhatIsInScopeAndFindsTheSameThereAsAWholeOne() {
    DvsConfig before =
        config(Map.of("g1", "web", "g2", "db"), Map.of("p1", "g1", "p2", "g1", "p3", "g2"));
    // p2 changes, p3 changes too but is out of scope (as if the change set had not written it).
    DvsConfig after =
        with(before, "p2", p -> p.setDescription("moved"), "p3", p -> p.setDescription("other"));

    List<EntityChange> scoped =
        ConfigDiff.between(before, after, NAMES, new ConfigDiff.Scope(Set.of(), Set.of("p2")));
    assertThat(scoped).extracting(EntityChange::getName).containsExactly("p2");
    assertThat(ConfigDiff.between(before, after, NAMES))
        .extracting(EntityChange::getName)
        .containsExactly("p2", "p3");
    assertThat(scoped.get(0)).isEqualTo(ConfigDiff.between(before, after, NAMES).get(0));
  }

  @Test
  void theScopeTakesInThePortsOfARenamedPortGroup() {
    DvsConfig before =
        config(Map.of("g1", "web", "g2", "db"), Map.of("p1", "g1", "p2", "g1", "p3", "g2"));
    Map<String, PortGroup> groups = new LinkedHashMap<>(before.portGroups());
    groups.put("g1", groups.get("g1").toBuilder().setName("www").build());
    DvsConfig after = DvsConfig.of(before.dvs(), groups, before.ports());

    List<EntityChange> scoped =
        ConfigDiff.between(before, after, NAMES, new ConfigDiff.Scope(Set.of("g1"), Set.of()));
    assertThat(scoped).isEqualTo(ConfigDiff.between(before, after, NAMES));
    // Port groups are matched by name: the rename shows as one removed and one added.
    assertThat(scoped)
        .extracting(c -> c.getEntity() + " " + c.getName())
        .containsExactlyInAnyOrder("port-group www", "port-group web", "port p1", "port p2");
  }

  private static DvsConfig config(Map<String, String> groupNames, Map<String, String> portGroups) {
    Map<String, PortGroup> groups = new LinkedHashMap<>();
    groupNames.forEach(
        (id, name) -> groups.put(id, PortGroup.newBuilder().setId(id).setName(name).build()));
    Map<String, Port> ports = new LinkedHashMap<>();
    portGroups.forEach(
        (key, g) -> ports.put(key, Port.newBuilder().setKey(key).setPortGroupId(g).build()));
    return DvsConfig.of(
        Dvs.newBuilder().setId("d").setName("sw").setGeneration(3).build(), groups, ports);
  }

  private static DvsConfig with(
      DvsConfig c,
      String k1,
      java.util.function.UnaryOperator<Port.Builder> f1,
      String k2,
      java.util.function.UnaryOperator<Port.Builder> f2) {
    Map<String, Port> ports = new LinkedHashMap<>(c.ports());
    ports.put(k1, f1.apply(ports.get(k1).toBuilder()).build());
    ports.put(k2, f2.apply(ports.get(k2).toBuilder()).build());
    return DvsConfig.of(c.dvs(), c.portGroups(), ports);
  }
}
