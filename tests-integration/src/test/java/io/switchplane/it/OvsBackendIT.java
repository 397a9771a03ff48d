package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.backend.OvsBackend;
import io.switchplane.agent.backend.OvsPolicing;
import io.switchplane.agent.backend.OvsPolicing.Policing;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.BlockedSetting;
import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.api.v1.UplinkNic;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.VlanTrunk;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.it.net.OvsInstance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ovs backend against a real Open vSwitch (userspace datapath) of the test's own, in a network
 * namespace of its own: ports become internal ports with the right tag, trunks and MTU; an apply is
 * one OVSDB transaction (a refused one changes nothing); the agent reads OVS back, sees a change
 * made by hand as drift and rectifies it; ports it did not create are left alone; the qos property
 * module turns a port's effective rate into OVS ingress policing.
 */
class OvsBackendIT {
  private static final String DVS_ID = "5e1f0c2a-0000-4000-8000-000000000001";
  private static final String HOST = "esx-ovs";
  private static final String QOS_DVS = "5e1f0c2a-0000-4000-8000-000000000005";
  private static final String QOS = "io.switchplane.qos";

  @TempDir Path dir;
  private OvsInstance ovs;
  private HostAgent agent;

  @BeforeEach
  void setUp() throws Exception {
    ovs = OvsInstance.start(dir.resolve("ovs"), "sp-ovs-" + ProcessHandle.current().pid());
    agent =
        new HostAgent(
            AgentConfig.of(0, dir.resolve("agent"))
                .withHost("", HOST)
                .withBackend("ovs", ovs.db())
                .withInsecurePlaintext());
    agent.start();
  }

  @AfterEach
  void tearDown() {
    if (agent != null) {
      agent.close();
    }
    if (ovs != null) {
      ovs.close();
    }
  }

  private static Policy vlan(Vlan v) {
    return Policy.newBuilder()
        .setVlan(VlanSetting.newBuilder().setValue(v).setOverrideAllowed(true))
        .setMtu(MtuSetting.newBuilder().setValue(9000).setOverrideAllowed(true))
        .setBlocked(BlockedSetting.newBuilder().setOverrideAllowed(true))
        .build();
  }

  private static HostSwitchState state(long generation, int webVlan, boolean withTrunk) {
    Dvs dvs =
        Dvs.newBuilder()
            .setId(DVS_ID)
            .setName("ovs-dvs")
            .setGeneration(generation)
            .addUplinks("uplink1")
            .setMtu(9000)
            .addMembers(HostMember.newBuilder().setHostId(HOST))
            .build();
    HostSwitchState.Builder b =
        HostSwitchState.newBuilder()
            .setHostId(HOST)
            .setDvs(dvs)
            .setMember(true)
            .addPortGroups(
                PortGroup.newBuilder()
                    .setId("web")
                    .setDvsId(DVS_ID)
                    .setName("web")
                    .setPolicy(vlan(Vlan.newBuilder().setAccessId(webVlan).build())))
            .addPortGroups(
                PortGroup.newBuilder()
                    .setId("trunk")
                    .setDvsId(DVS_ID)
                    .setName("trunk")
                    .setPolicy(
                        vlan(
                            Vlan.newBuilder()
                                .setTrunk(
                                    VlanTrunk.newBuilder()
                                        .addRanges(VlanRange.newBuilder().setFirst(10).setLast(12))
                                        .addRanges(VlanRange.newBuilder().setFirst(20).setLast(20)))
                                .build())))
            .addPorts(
                Port.newBuilder()
                    .setKey("vm1-nic0")
                    .setDvsId(DVS_ID)
                    .setPortGroupId("web")
                    .setHostId(HOST))
            .addPorts(
                Port.newBuilder()
                    .setKey("vm2-nic0")
                    .setDvsId(DVS_ID)
                    .setPortGroupId("web")
                    .setHostId(HOST)
                    .setPolicy(
                        Policy.newBuilder()
                            .setBlocked(BlockedSetting.newBuilder().setValue(true))));
    if (withTrunk) {
      b.addPorts(
          Port.newBuilder()
              .setKey("uplink-trunk")
              .setDvsId(DVS_ID)
              .setPortGroupId("trunk")
              .setHostId(HOST));
    }
    return b.build();
  }

  private void applyAndConfirm(HostSwitchState s) {
    ApplyResponse r = agent.pipeline().apply(s, 60_000, "");
    agent.pipeline().confirm(DVS_ID, r.getAppliedGeneration(), r.getNonce());
  }

  private String get(String table, String record, String column) {
    return ovs.vsctl("get", table, record, column).strip();
  }

  @Test
  void portsBecomeInternalPortsWithTheirVlanTrunksAndMtuInOneTransaction() {
    applyAndConfirm(state(1, 100, true));
    String web = OvsBackend.portName(DVS_ID, "vm1-nic0");
    String blocked = OvsBackend.portName(DVS_ID, "vm2-nic0");
    String trunk = OvsBackend.portName(DVS_ID, "uplink-trunk");

    assertThat(get("bridge", OvsBackend.bridgeName(DVS_ID), "datapath_type")).isEqualTo("netdev");
    assertThat(get("interface", web, "type")).isEqualTo("internal");
    assertThat(get("port", web, "tag")).isEqualTo("100");
    assertThat(get("port", blocked, "tag")).isEqualTo(Integer.toString(OvsBackend.DEAD_VLAN));
    assertThat(get("port", trunk, "trunks")).isEqualTo("[10, 11, 12, 20]");
    assertThat(get("interface", web, "mtu_request")).isEqualTo("9000");
    assertThat(get("port", web, "external_ids:switchplane-port")).isEqualTo("vm1-nic0");
    // Read back from OVS, the switch is exactly the applied state.
    Map<String, EffectivePort> expected = EffectiveStateResolver.resolveAll(state(1, 100, true));
    assertThat(agent.pipeline().backend().ports(DVS_ID)).isEqualTo(expected);
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();

    // A change of one port group touches only its ports; removing a port deletes it from OVS.
    applyAndConfirm(state(2, 200, false));
    assertThat(get("port", web, "tag")).isEqualTo("200");
    assertThat(ovs.vsctl("list-ports", OvsBackend.bridgeName(DVS_ID)))
        .doesNotContain(trunk)
        .contains(web);
  }

  @Test
  void aRefusedTransactionChangesNothingAndForeignPortsAreLeftAlone() {
    applyAndConfirm(state(1, 100, false));
    String bridge = OvsBackend.bridgeName(DVS_ID);
    String web = OvsBackend.portName(DVS_ID, "vm1-nic0");
    ovs.vsctl(
        "add-port", bridge, "foreign0", "--", "set", "interface", "foreign0", "type=internal");
    // The trunk port's OVS name is taken by hand on another bridge: adding it must fail, and with
    // it the whole apply.
    ovs.vsctl("add-br", "other0", "--", "set", "bridge", "other0", "datapath_type=netdev");
    ovs.vsctl(
        "add-port",
        "other0",
        OvsBackend.portName(DVS_ID, "uplink-trunk"),
        "--",
        "set",
        "interface",
        OvsBackend.portName(DVS_ID, "uplink-trunk"),
        "type=internal");

    assertThatThrownBy(() -> agent.pipeline().apply(state(2, 300, true), 60_000, ""))
        .isInstanceOfSatisfying(
            SwitchplaneException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ABORTED))
        .hasMessageContaining("OVSDB applied none of it");
    assertThat(get("port", web, "tag"))
        .isEqualTo("100"); // the VLAN change in the same transaction did not happen
    assertThat(agent.pipeline().applied(DVS_ID).orElseThrow().generation()).isEqualTo(1);

    ovs.vsctl("del-br", "other0");
    applyAndConfirm(state(2, 300, false));
    assertThat(ovs.vsctl("list-ports", bridge)).contains("foreign0"); // never ours, never touched
    assertThat(agent.pipeline().backend().ports(DVS_ID)).doesNotContainKey("foreign0");
  }

  /**
   * One uplink port (uplink1 of this host) carrying vlans (none: blocked), the member mapping
   * uplink1 to nic ("": none).
   */
  private static HostSwitchState uplinkState(long generation, String nic, int... vlans) {
    HostMember.Builder member = HostMember.newBuilder().setHostId(HOST);
    if (!nic.isEmpty()) {
      member.putUplinkNics("uplink1", nic);
    }
    Dvs dvs =
        Dvs.newBuilder()
            .setId(DVS_ID)
            .setName("ovs-dvs")
            .setGeneration(generation)
            .addUplinks("uplink1")
            .setMtu(1500)
            .addMembers(member)
            .build();
    Policy.Builder policy = Policy.newBuilder();
    if (vlans.length == 0) {
      policy.setBlocked(BlockedSetting.newBuilder().setValue(true));
    } else {
      VlanTrunk.Builder t = VlanTrunk.newBuilder();
      for (int v : vlans) {
        t.addRanges(VlanRange.newBuilder().setFirst(v).setLast(v));
      }
      policy.setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setTrunk(t)));
    }
    return HostSwitchState.newBuilder()
        .setHostId(HOST)
        .setDvs(dvs)
        .setMember(true)
        .addPortGroups(
            PortGroup.newBuilder()
                .setId("uplinks")
                .setDvsId(DVS_ID)
                .setName("uplinks")
                .setPolicy(
                    vlan(
                        Vlan.newBuilder()
                            .setTrunk(
                                VlanTrunk.newBuilder()
                                    .addRanges(VlanRange.newBuilder().setFirst(1).setLast(4094)))
                            .build())))
        .addPorts(
            Port.newBuilder()
                .setKey(HOST + ":uplink1")
                .setDvsId(DVS_ID)
                .setPortGroupId("uplinks")
                .setHostId(HOST)
                .setConnectee(
                    Connectee.newBuilder()
                        .setUplinkNic(UplinkNic.newBuilder().setUplink("uplink1")))
                .setPolicy(policy))
        .build();
  }

  private boolean linkExists(String device) {
    return OvsInstance.run("ip", "netns", "exec", ovs.namespace(), "ip", "-o", "link", "show")
        .contains(" " + device + "@");
  }

  @Test
  void anUplinkNicPortIsTheHostsNicOnTheBridgeBlockedItDropsEveryVlanAndRemovedTheHostKeepsIt() {
    for (String nic : java.util.List.of("nic0", "nic1")) {
      OvsInstance.run(
          "ip",
          "netns",
          "exec",
          ovs.namespace(),
          "ip",
          "link",
          "add",
          nic,
          "type",
          "veth",
          "peer",
          "name",
          nic + "p");
    }
    String bridge = OvsBackend.bridgeName(DVS_ID);
    String port = OvsBackend.portName(DVS_ID, HOST + ":uplink1");

    applyAndConfirm(uplinkState(1, "nic0", 100, 200));
    assertThat(ovs.vsctl("iface-to-br", "nic0").strip()).isEqualTo(bridge);
    assertThat(get("interface", "nic0", "type"))
        .as("a system interface: the host's device")
        .isEqualTo("\"\"");
    assertThat(get("port", port, "trunks")).isEqualTo("[100, 200]");
    assertThat(agent.pipeline().backend().ports(DVS_ID).get(HOST + ":uplink1").getNic())
        .isEqualTo("nic0");
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();

    // Nothing to carry: a trunk of the reserved VLAN 4095 only (an empty trunks column would carry
    // every VLAN).
    applyAndConfirm(uplinkState(2, "nic0"));
    assertThat(get("port", port, "trunks")).isEqualTo("[" + OvsBackend.DEAD_VLAN + "]");
    assertThat(get("port", port, "vlan_mode")).isEqualTo("trunk");
    assertThat(get("port", port, "tag")).isEqualTo("[]");
    assertThat(
            agent
                .pipeline()
                .backend()
                .ports(DVS_ID)
                .get(HOST + ":uplink1")
                .getPolicy()
                .getBlocked())
        .isTrue();
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();

    // The member's NIC is remapped: the same OVS port is now the other NIC; the first leaves the
    // bridge, not the host.
    applyAndConfirm(uplinkState(3, "nic1", 300));
    assertThat(ovs.vsctl("iface-to-br", "nic1").strip()).isEqualTo(bridge);
    assertThat(ovs.vsctl("list-ifaces", bridge)).doesNotContain("nic0");
    assertThat(linkExists("nic0")).isTrue();
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();

    // No NIC mapped: an internal port as before (logged), never a device of the host.
    applyAndConfirm(uplinkState(4, "", 300));
    assertThat(get("interface", port, "type")).isEqualTo("internal");
    assertThat(ovs.vsctl("list-ifaces", bridge)).doesNotContain("nic1");
    assertThat(linkExists("nic1")).isTrue();
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();

    // A NIC another bridge holds is refused, and nothing of the apply happens.
    ovs.vsctl("add-br", "other0", "--", "set", "bridge", "other0", "datapath_type=netdev");
    ovs.vsctl("add-port", "other0", "nic0");
    // Until the agent's OVSDB cache has heard of the other bridge, ovsdb-server itself refuses the
    // duplicate interface; either way the apply is refused whole, so trying again is harmless.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(
                        () -> agent.pipeline().apply(uplinkState(5, "nic0", 400), 60_000, ""))
                    .isInstanceOfSatisfying(
                        SwitchplaneException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.ABORTED))
                    .hasMessageContaining("NIC nic0 (uplink uplink1")
                    .hasMessageContaining("is already OVS port nic0"));
    assertThat(get("port", port, "trunks")).isEqualTo("[300]");
    assertThat(ovs.vsctl("iface-to-br", "nic0").strip()).isEqualTo("other0");

    // Removed, the port leaves the bridge and the host keeps its NIC.
    ovs.vsctl("del-br", "other0");
    applyAndConfirm(uplinkState(6, "nic0", 100));
    assertThat(ovs.vsctl("iface-to-br", "nic0").strip()).isEqualTo(bridge);
    applyAndConfirm(state(7, 100, false));
    assertThat(ovs.vsctl("list-ifaces", bridge)).doesNotContain("nic0");
    assertThat(linkExists("nic0")).as("removing the port never deletes the host's NIC").isTrue();
  }

  @Test
  void aChangeMadeByHandIsDetectedAsDriftAndRectified() {
    applyAndConfirm(state(1, 100, true));
    String web = OvsBackend.portName(DVS_ID, "vm1-nic0");
    String trunk = OvsBackend.portName(DVS_ID, "uplink-trunk");
    ovs.vsctl("set", "port", web, "tag=999");
    ovs.vsctl("del-port", OvsBackend.bridgeName(DVS_ID), trunk);

    // The agent reads OVS from its monitor-fed cache: the hand change arrives as an update
    // notification.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(agent.pipeline().drift(DVS_ID))
                    .containsExactly("uplink-trunk", "vm1-nic0"));
    var summary = agent.pipeline().rectify(DVS_ID);

    assertThat(summary.getAdded()).isEqualTo(1);
    assertThat(summary.getUpdated()).isEqualTo(1);
    assertThat(get("port", web, "tag")).isEqualTo("100");
    assertThat(get("port", trunk, "trunks")).isEqualTo("[10, 11, 12, 20]");
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();
  }

  private static PropertyEntry rate(String kbps) {
    return PropertyEntry.newBuilder()
        .setNamespace(QOS)
        .setKey("rate-kbps")
        .setValue(ByteString.copyFromUtf8(kbps))
        .build();
  }

  /**
   * Port group web with rate groupRate (none when null), ports w1 (inherits) and w2 (its own 50).
   */
  private static HostSwitchState qosState(long generation, String groupRate) {
    Dvs dvs =
        Dvs.newBuilder()
            .setId(QOS_DVS)
            .setName("qos-dvs")
            .setGeneration(generation)
            .addUplinks("uplink1")
            .setMtu(1500)
            .addMembers(HostMember.newBuilder().setHostId(HOST))
            .build();
    PortGroup.Builder web = PortGroup.newBuilder().setId("web").setDvsId(QOS_DVS).setName("web");
    if (groupRate != null) {
      web.addProperties(rate(groupRate));
    }
    return HostSwitchState.newBuilder()
        .setHostId(HOST)
        .setDvs(dvs)
        .setMember(true)
        .addPortGroups(web)
        .addPorts(
            Port.newBuilder().setKey("w1").setDvsId(QOS_DVS).setPortGroupId("web").setHostId(HOST))
        .addPorts(
            Port.newBuilder()
                .setKey("w2")
                .setDvsId(QOS_DVS)
                .setPortGroupId("web")
                .setHostId(HOST)
                .addProperties(rate("50")))
        .build();
  }

  @Test
  void
      qosModuleTurnsTheInheritedRateIntoIngressPolicing_theGroupRateIsInheritedTheOverrideWinsAndRemovingTheGroupRateTurnsPolicingOff()
          throws Exception {
    OvsPolicing read = new OvsPolicing(ovs.db());
    confirmQos(qosState(1, "500"));
    assertThat(read.read(QOS_DVS, "w1")).isEqualTo(new Policing(500, 50));
    assertThat(read.read(QOS_DVS, "w2")).isEqualTo(new Policing(50, 5));

    confirmQos(qosState(2, null));
    assertThat(read.read(QOS_DVS, "w1")).isEqualTo(new Policing(0, 0));
    assertThat(read.read(QOS_DVS, "w2")).isEqualTo(new Policing(50, 5));
  }

  private void confirmQos(HostSwitchState s) {
    ApplyResponse r = agent.pipeline().apply(s);
    agent.pipeline().confirm(QOS_DVS, r.getAppliedGeneration(), r.getNonce());
  }
}
