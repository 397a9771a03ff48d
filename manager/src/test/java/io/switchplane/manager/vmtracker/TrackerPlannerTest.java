package io.switchplane.manager.vmtracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.TrackerSettings;
import io.switchplane.api.v1.Vcenter;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanTrunk;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.vmtracker.TrackerView.Kind;
import io.switchplane.manager.vmtracker.TrackerView.Problem;
import io.switchplane.vcenter.Inventory;
import io.switchplane.vcenter.Inventory.Nic;
import io.switchplane.vcenter.Inventory.PowerState;
import io.switchplane.vcenter.VlanSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The planner alone: which NICs count toward their host, where VLANs come from, what is a problem.
 */
class TrackerPlannerTest {
  private static final Host ESX1 = Host.newBuilder().setId("h-1").setName("sp-esx1").build();

  private final DvsConfig dvs =
      DvsConfig.of(
          Dvs.newBuilder()
              .setId("d-1")
              .setName("sw")
              .addUplinks("uplink1")
              .addMembers(HostMember.newBuilder().setHostId("h-1"))
              .build(),
          Map.of(
              "pg-web", group("pg-web", "web", Vlan.newBuilder().setAccessId(100).build()),
              "pg-std", group("pg-std", "VM Network", Vlan.newBuilder().setAccessId(42).build()),
              "pg-tr",
                  group(
                      "pg-tr",
                      "trunk",
                      Vlan.newBuilder()
                          .setTrunk(
                              VlanTrunk.newBuilder()
                                  .addRanges(VlanRange.newBuilder().setFirst(500).setLast(502)))
                          .build())),
          Map.of());

  private final TrackerConfig config =
      TrackerConfig.of(
          Vcenter.newBuilder()
              .setName("vc1")
              .setTracker(
                  TrackerSettings.newBuilder()
                      .setDvs("sw")
                      .setPinnedVlans("10")
                      .putHostMap("esx1", "sp-esx1")
                      .putPortGroupMap("DVPG-trunk", "trunk"))
              .build());

  @Test
  void vlansComeFromVcenterThenFromTheCounterpartAndOnlyRunningConnectedNicsCount() {
    Inventory inv =
        new Inventory(
            Map.of("host-1", new Inventory.Host("host-1", "esx1", "connected", false)),
            Map.of(
                "vm-1",
                vm(
                    "vm-1",
                    "a",
                    PowerState.POWERED_ON,
                    new Nic("Network adapter 1", "00:50:56:00:00:01", "net-web", "7", true),
                    new Nic("Network adapter 2", "00:50:56:00:00:02", "net-std", "", true),
                    new Nic("Network adapter 3", "00:50:56:00:00:03", "net-tr", "9", true),
                    new Nic("Network adapter 4", "00:50:56:00:00:04", "net-web2", "10", false)),
                "vm-2",
                vm(
                    "vm-2",
                    "b",
                    PowerState.SUSPENDED,
                    new Nic("Network adapter 1", "00:50:56:00:00:05", "net-web2", "11", true))),
            Map.of(
                "net-web",
                new Inventory.Network(
                    "net-web", "web", true, "dvs-1", "k1", VlanSet.of(120), false),
                "net-std",
                new Inventory.Network("net-std", "VM Network", false, "", "", VlanSet.EMPTY, false),
                "net-tr",
                new Inventory.Network(
                    "net-tr", "DVPG-trunk", true, "dvs-1", "k2", VlanSet.EMPTY, false),
                "net-web2",
                new Inventory.Network(
                    "net-web2", "web", true, "dvs-1", "k3", VlanSet.of(130), false)),
            Map.of(),
            "1",
            Instant.now());

    TrackerView view =
        TrackerPlanner.plan(
            inv,
            config,
            Optional.of(dvs),
            n -> Optional.ofNullable(Map.of("sp-esx1", ESX1).get(n)));

    assertThat(view.hosts()).containsOnlyKeys("h-1");
    // web tags 120 in vCenter (vCenter wins, mismatch reported), the standard network takes 42 from
    // its counterpart, the mapped trunk group 500-502; the disconnected NIC and the suspended VM
    // add nothing.
    assertThat(view.hosts().get("h-1").needed()).isEqualTo(VlanSet.parse("10,42,120,500-502"));
    assertThat(view.hosts().get("h-1").vmsOn()).isEqualTo(1);
    assertThat(view.rows())
        .extracting(r -> r.vm().name() + " " + r.nic().label() + " " + r.vlans() + " " + r.note())
        .containsExactly(
            "a Network adapter 1 120 ",
            "a Network adapter 2 42 ",
            "a Network adapter 3 500-502 ",
            "a Network adapter 4 130 NIC disconnected",
            "b Network adapter 1 130 suspended");
    assertThat(view.problems())
        .extracting(Problem::kind, Problem::object)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.VLAN_MISMATCH, "web"));
  }

  @Test
  void aMissingDvsTracksNothingAndSaysSo() {
    Inventory inv =
        new Inventory(
            Map.of("host-1", new Inventory.Host("host-1", "esx1", "connected", false)),
            Map.of(),
            Map.of(),
            Map.of(),
            "1",
            Instant.now());
    TrackerView view =
        TrackerPlanner.plan(
            inv,
            config,
            Optional.empty(),
            n -> Optional.ofNullable(Map.of("sp-esx1", ESX1).get(n)));
    assertThat(view.hosts()).isEmpty();
    assertThat(view.problems()).extracting(Problem::kind).containsExactly(Kind.NO_DVS);
  }

  @Test
  void uplinkPortsAreOnlyChangedWhereTheyDiffer() {
    TrackerView.HostNeed need =
        new TrackerView.HostNeed("h-1", "sp-esx1", "esx1", VlanSet.of(10, 100), 1);
    var ops = UplinkPorts.ops(config, dvs, Map.of("h-1", need));
    assertThat(ops)
        .extracting(o -> o.getOpCase().name())
        .containsExactly("CREATE_PORT_GROUP", "CREATE_PORT");
    assertThat(ops.get(1).getCreatePort().getKey()).isEqualTo("sp-esx1:uplink1");
    assertThat(UplinkPorts.key("h".repeat(70), "h-1", "uplink1")).startsWith("vmt-").hasSize(28);
  }

  @Test
  void anUplinkPortSaysWhichUplinkNicItIsAndOneThatDoesNotIsCorrected() {
    TrackerView.HostNeed need =
        new TrackerView.HostNeed("h-1", "sp-esx1", "esx1", VlanSet.of(10, 100), 1);
    Port want = UplinkPorts.ops(config, dvs, Map.of("h-1", need)).get(1).getCreatePort();
    assertThat(want.getConnectee().getUplinkNic().getUplink()).isEqualTo("uplink1");

    PortGroup uplinks = UplinkPorts.uplinkGroup(config).toBuilder().setId("pg-up").build();
    Map<String, PortGroup> groups = new java.util.HashMap<>(dvs.portGroups());
    groups.put("pg-up", uplinks);
    Port stored = want.toBuilder().setPortGroupId("pg-up").setDvsId("d-1").build();
    DvsConfig same = DvsConfig.of(dvs.dvs(), groups, Map.of(stored.getKey(), stored));
    assertThat(UplinkPorts.ops(config, same, Map.of("h-1", need))).as("nothing differs").isEmpty();

    // A port stored before uplink ports named their NIC (an internal port on OVS) becomes the NIC.
    Port old = stored.toBuilder().clearConnectee().build();
    var ops =
        UplinkPorts.ops(
            config,
            DvsConfig.of(dvs.dvs(), groups, Map.of(old.getKey(), old)),
            Map.of("h-1", need));
    assertThat(ops)
        .extracting(o -> o.getUpdatePort().getSettings().getConnectee().getUplinkNic().getUplink())
        .containsExactly("uplink1");
  }

  private static Inventory.Vm vm(String id, String name, PowerState power, Nic... nics) {
    return new Inventory.Vm(id, name, "uuid-" + name, power, "host-1", List.of(nics));
  }

  private static PortGroup group(String id, String name, Vlan vlan) {
    return PortGroup.newBuilder()
        .setId(id)
        .setDvsId("d-1")
        .setName(name)
        .setPolicy(
            io.switchplane.api.v1.Policy.newBuilder()
                .setVlan(io.switchplane.api.v1.VlanSetting.newBuilder().setValue(vlan)))
        .build();
  }
}
