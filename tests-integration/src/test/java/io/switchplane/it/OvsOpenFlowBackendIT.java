package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.backend.OvsBackend;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.BlockedSetting;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.VlanTrunk;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.it.net.OvsInstance;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ovs-openflow backend against a real Open vSwitch of the test's own: the VLANs are OpenFlow
 * flows (the Port table's VLAN columns stay empty, the bridge is fail_mode secure), a change of
 * VLANs alone is no OVSDB transaction while an MTU change is one, flows deleted by hand read back
 * as drift that the agent rectifies, and flows lost with an ovs-vswitchd restart come back by
 * themselves. Frames through these flows are tested by the *OpenFlowIT subclasses of the OVS system
 * tests (FabricIT, UplinkPruningIT, MigrationOvsIT, NamespaceRevertIT).
 */
class OvsOpenFlowBackendIT {
  private static final String DVS_ID = "5e1f0c2a-0000-4000-8000-0000000000f1";
  private static final String HOST = "esx-of";

  @TempDir Path dir;
  private OvsInstance ovs;
  private HostAgent agent;

  @BeforeEach
  void setUp() throws Exception {
    ovs = OvsInstance.start(dir.resolve("ovs"), "sp-of-" + ProcessHandle.current().pid());
    agent =
        new HostAgent(
            AgentConfig.of(0, dir.resolve("agent"))
                .withHost("", HOST)
                .withBackend(OvsBackend.OPENFLOW_NAME, ovs.db())
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

  private static Policy policy(Vlan v, int mtu) {
    return Policy.newBuilder()
        .setVlan(VlanSetting.newBuilder().setValue(v).setOverrideAllowed(true))
        .setMtu(MtuSetting.newBuilder().setValue(mtu).setOverrideAllowed(true))
        .setBlocked(BlockedSetting.newBuilder().setOverrideAllowed(true))
        .build();
  }

  /** Port group web (VLAN webVlan, MTU mtu) with vm1 and a blocked vm2; a trunk 10-12,20. */
  private static HostSwitchState state(long generation, int webVlan, int mtu) {
    Dvs dvs =
        Dvs.newBuilder()
            .setId(DVS_ID)
            .setName("of-dvs")
            .setGeneration(generation)
            .addUplinks("uplink1")
            .setMtu(9000)
            .addMembers(HostMember.newBuilder().setHostId(HOST))
            .build();
    return HostSwitchState.newBuilder()
        .setHostId(HOST)
        .setDvs(dvs)
        .setMember(true)
        .addPortGroups(
            PortGroup.newBuilder()
                .setId("web")
                .setDvsId(DVS_ID)
                .setName("web")
                .setPolicy(policy(Vlan.newBuilder().setAccessId(webVlan).build(), mtu)))
        .addPortGroups(
            PortGroup.newBuilder()
                .setId("trunk")
                .setDvsId(DVS_ID)
                .setName("trunk")
                .setPolicy(
                    policy(
                        Vlan.newBuilder()
                            .setTrunk(
                                VlanTrunk.newBuilder()
                                    .addRanges(VlanRange.newBuilder().setFirst(10).setLast(12))
                                    .addRanges(VlanRange.newBuilder().setFirst(20).setLast(20)))
                            .build(),
                        9000)))
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
                    Policy.newBuilder().setBlocked(BlockedSetting.newBuilder().setValue(true))))
        .addPorts(
            Port.newBuilder()
                .setKey("uplink-trunk")
                .setDvsId(DVS_ID)
                .setPortGroupId("trunk")
                .setHostId(HOST))
        .build();
  }

  private void applyAndConfirm(HostSwitchState s) {
    ApplyResponse r = agent.pipeline().apply(s, 60_000, "");
    agent.pipeline().confirm(DVS_ID, r.getAppliedGeneration(), r.getNonce());
  }

  private String get(String table, String record, String column) {
    return ovs.vsctl("get", table, record, column).strip();
  }

  /** Our flows on the bridge, as ovs-ofctl shows them (one per line). */
  private String flows() {
    return OvsInstance.run(
        "ip",
        "netns",
        "exec",
        ovs.namespace(),
        "ovs-ofctl",
        "-O",
        "OpenFlow14",
        "dump-flows",
        "unix:" + Path.of(ovs.db().substring(5)).resolveSibling(bridge() + ".mgmt"),
        "cookie=0x5370000000000000/0xffff000000000000");
  }

  /** The flows of a dump without their counters and ages, sorted. */
  private static java.util.List<String> flowLines(String dump) {
    return dump.lines()
        .filter(l -> l.contains("cookie="))
        .map(l -> l.replaceAll("duration=[^,]*, |n_packets=[^,]*, |n_bytes=[^,]*, ", "").strip())
        .sorted()
        .toList();
  }

  private String bridge() {
    return OvsBackend.bridgeName(DVS_ID);
  }

  private long nextCfg() {
    return Long.parseLong(get("open_vswitch", ".", "next_cfg"));
  }

  @Test
  void vlansAreFlowsAndAChangeOfVlansAloneIsNoOvsdbTransaction() {
    applyAndConfirm(state(1, 100, 9000));
    String web = OvsBackend.portName(DVS_ID, "vm1-nic0");
    String trunk = OvsBackend.portName(DVS_ID, "uplink-trunk");
    assertThat(get("bridge", bridge(), "fail_mode")).isEqualTo("secure");
    assertThat(get("port", web, "tag")).isEqualTo("[]");
    assertThat(get("port", trunk, "trunks")).isEqualTo("[]");
    assertThat(get("interface", web, "mtu_request")).isEqualTo("9000");
    String webOfport = get("interface", web, "ofport");
    assertThat(flows())
        .contains("in_port=" + webOfport + ",vlan_tci=0x0000/0x1fff")
        .contains("set_field:4196->vlan_vid"); // 0x1000 | 100
    // Read back from OVS (OVSDB and the flows), the switch is exactly the applied state.
    assertThat(agent.pipeline().backend().ports(DVS_ID))
        .isEqualTo(EffectiveStateResolver.resolveAll(state(1, 100, 9000)));
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();

    // Web moves to VLAN 200: flows only; every transaction of ours would bump next_cfg.
    long cfg = nextCfg();
    applyAndConfirm(state(2, 200, 9000));
    assertThat(nextCfg()).isEqualTo(cfg);
    assertThat(flows()).contains("set_field:4296->vlan_vid").doesNotContain("4196->vlan_vid");
    assertThat(agent.pipeline().backend().ports(DVS_ID))
        .isEqualTo(EffectiveStateResolver.resolveAll(state(2, 200, 9000)));
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();

    // An MTU change is OVSDB's: one transaction.
    applyAndConfirm(state(3, 200, 1500));
    assertThat(nextCfg()).isGreaterThan(cfg);
    assertThat(get("interface", web, "mtu_request")).isEqualTo("1500");
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();
  }

  @Test
  void flowsDeletedByHandAreDriftAndRectifiedAndFlowsLostWithVswitchdComeBack() {
    applyAndConfirm(state(1, 100, 9000));
    String web = OvsBackend.portName(DVS_ID, "vm1-nic0");
    OvsInstance.run(
        "ip",
        "netns",
        "exec",
        ovs.namespace(),
        "ovs-ofctl",
        "del-flows",
        "unix:" + Path.of(ovs.db().substring(5)).resolveSibling(bridge() + ".mgmt"),
        "table=0,in_port=" + get("interface", web, "ofport"));
    assertThat(agent.pipeline().drift(DVS_ID)).containsExactly("vm1-nic0");
    assertThat(agent.pipeline().rectify(DVS_ID).getUpdated()).isEqualTo(1);
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();
    assertThat(agent.pipeline().backend().ports(DVS_ID))
        .isEqualTo(EffectiveStateResolver.resolveAll(state(1, 100, 9000)));

    // ovs-vswitchd restarts: the bridge comes back from OVSDB with no flows (passing nothing,
    // fail_mode secure); the agent sees a new OpenFlow session and writes them all again.
    String before = flows();
    ovs.restartVswitchd();
    ovs.vsctl("set", "bridge", bridge(), "external_ids:restarted=1"); // waits for vswitchd
    await()
        .atMost(OvsBackend.RESTART_CHECK.multipliedBy(5))
        .untilAsserted(
            () -> {
              assertThat(flowLines(flows())).isEqualTo(flowLines(before));
              assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();
            });
    assertThat(agent.pipeline().backend().ports(DVS_ID))
        .isEqualTo(EffectiveStateResolver.resolveAll(state(1, 100, 9000)));

    // Restarted again, and the next apply changes only web: its new session tells the backend
    // that the flows it knew may be gone, and it writes all of them, not only web's.
    ovs.restartVswitchd();
    ovs.vsctl("set", "bridge", bridge(), "external_ids:restarted=2"); // waits for vswitchd
    applyAndConfirm(state(2, 200, 9000));
    assertThat(agent.pipeline().drift(DVS_ID)).isEmpty();
    assertThat(agent.pipeline().backend().ports(DVS_ID))
        .isEqualTo(EffectiveStateResolver.resolveAll(state(2, 200, 9000)));
  }
}
