package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.switchplane.agent.backend.openflow.Flow;
import io.switchplane.agent.backend.openflow.FlowAction;
import io.switchplane.agent.backend.openflow.FlowAction.Output;
import io.switchplane.agent.backend.openflow.FlowAction.PopVlan;
import io.switchplane.agent.backend.openflow.FlowAction.PushVlan;
import io.switchplane.agent.backend.openflow.FlowAction.SetVlanVid;
import io.switchplane.agent.backend.openflow.FlowMatch;
import io.switchplane.agent.backend.openflow.FlowMod;
import io.switchplane.agent.backend.openflow.OpenFlowException;
import io.switchplane.agent.backend.openflow.OpenFlowSwitch;
import io.switchplane.it.net.OvsInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OpenFlowSwitch} against a real Open vSwitch of the test's own (userspace datapath, bridge
 * br0 with fail_mode=secure, so it holds no flows but ours): flows applied as one bundle read back
 * equal; a flow replaced and deleted by its key; a bundle with one refused flow changes nothing and
 * says why (type and code); a packet-out goes through table 0; the session survives an ovs-vswitchd
 * restart (the next call connects afresh) and a hung ovs-vswitchd (the call times out, the next one
 * works); a closed session refuses calls.
 */
class OpenFlowSwitchIT {
  private static final long COOKIE = 0x5350_0000_0000_0018L;
  private static final long ALL_BITS = -1L;
  private static final int BAD_ACTION = 2;
  private static final int MATCH_INCONSISTENT = 10;

  @TempDir Path dir;
  private Path ovsDir;
  private OvsInstance ovs;
  private OpenFlowSwitch sw;
  private int p1;
  private int p2;
  private int p3;

  @BeforeEach
  void setUp() {
    ovsDir = dir.resolve("ovs");
    ovs = OvsInstance.start(ovsDir, "sp-of-" + ProcessHandle.current().pid());
    ovs.vsctl(
        "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev", "fail_mode=secure");
    p1 = internalPort("p1");
    p2 = internalPort("p2");
    p3 = internalPort("p3");
    sw = new OpenFlowSwitch(mgmt(), Duration.ofSeconds(5));
  }

  @AfterEach
  void tearDown() {
    if (sw != null) {
      sw.close();
    }
    if (ovs != null) {
      ovs.close();
    }
  }

  private Path mgmt() {
    return ovsDir.resolve("br0.mgmt");
  }

  /** Adds an internal port; returns its OpenFlow port number (ovs-vsctl waits for vswitchd). */
  private int internalPort(String name) {
    ovs.vsctl("add-port", "br0", name, "--", "set", "interface", name, "type=internal");
    return Integer.parseInt(ovs.vsctl("get", "interface", name, "ofport").strip());
  }

  private static Flow flow(int table, int priority, FlowMatch match, List<FlowAction> actions) {
    return new Flow(table, priority, COOKIE, match, actions, Flow.NO_GOTO);
  }

  /** A small VLAN pipeline: ingress per port in table 0, forwarding by VID (and MAC) in table 1. */
  private List<Flow> pipeline() {
    return List.of(
        new Flow(
            0,
            100,
            COOKIE,
            FlowMatch.inPort(p1).untagged(),
            List.of(new PushVlan(), new SetVlanVid(100)),
            1),
        new Flow(0, 100, COOKIE, FlowMatch.inPort(p2).vlanBlock(0x010, 0xff0), List.of(), 1),
        flow(0, 0, FlowMatch.all(), List.of()),
        flow(
            1,
            200,
            FlowMatch.all().vlan(100).ethDst(0x0200_0000_0001L),
            List.of(new PopVlan(), new Output(p1))),
        flow(
            1,
            100,
            FlowMatch.all().vlan(100),
            List.of(new PopVlan(), new Output(p1), new Output(p3))),
        flow(
            1,
            100,
            FlowMatch.all().vlanBlock(0x010, 0xff0),
            List.of(new Output(p2), new Output(FlowAction.IN_PORT))),
        flow(1, 50, FlowMatch.inPort(p3).vlan(7), List.of(new SetVlanVid(8), new Output(p2))));
  }

  private static List<FlowMod> adds(List<Flow> flows) {
    return flows.stream().map(FlowMod::add).toList();
  }

  private List<Flow> ours() throws OpenFlowException {
    return sw.flows(COOKIE, ALL_BITS);
  }

  private String ofctl(String... args) {
    String[] cmd = new String[args.length + 3];
    cmd[0] = "ovs-ofctl";
    cmd[1] = "-O";
    cmd[2] = "OpenFlow14";
    System.arraycopy(args, 0, cmd, 3, args.length);
    return OvsInstance.run(cmd);
  }

  @Test
  void appliedFlowsReadBackEqual() throws Exception {
    sw.apply(adds(pipeline()));

    assertThat(ours()).containsExactlyInAnyOrderElementsOf(pipeline());
    assertThat(ofctl("dump-flows", mgmt().toString())).contains("push_vlan:0x8100");
  }

  @Test
  void someoneElsesFlowsAreFilteredByCookieOrReadAsUnknown() throws Exception {
    sw.apply(adds(pipeline()));
    ofctl("add-flow", mgmt().toString(), "table=2,priority=1,cookie=0x99,actions=drop");
    ofctl(
        "add-flow",
        mgmt().toString(),
        "table=3,priority=5,cookie=" + COOKIE + ",ip,actions=mod_nw_tos:4");

    List<Flow> ours = ours();
    List<Flow> all = sw.flows(0, 0);

    assertThat(ours).hasSize(pipeline().size() + 1).containsAll(pipeline());
    // ip (eth_type) is a field we do not model, mod_nw_tos an action we do not: neither equals ours
    Flow edited = ours.stream().filter(f -> f.table() == 3).findFirst().orElseThrow();
    assertThat(edited.actions()).hasSize(2).allMatch(a -> a instanceof FlowAction.Unknown);
    assertThat(all).hasSize(pipeline().size() + 2).anyMatch(f -> f.cookie() == 0x99);
  }

  @Test
  void aFlowIsReplacedByItsKeyAndDeletedByIt() throws Exception {
    sw.apply(adds(pipeline()));
    Flow old = pipeline().get(4);
    Flow replacement = flow(old.table(), old.priority(), old.match(), List.of(new Output(p2)));

    sw.apply(List.of(FlowMod.add(replacement)));
    List<Flow> replaced = ours();
    sw.apply(List.of(FlowMod.delete(replacement), FlowMod.delete(pipeline().get(0))));
    List<Flow> deleted = ours();
    sw.apply(List.of(FlowMod.delete(replacement))); // deleting what is not there is no error

    assertThat(replaced).hasSize(pipeline().size()).contains(replacement).doesNotContain(old);
    assertThat(deleted)
        .hasSize(pipeline().size() - 2)
        .doesNotContain(replacement, pipeline().get(0));
    assertThat(ours()).isEqualTo(deleted);
  }

  @Test
  void aBundleWithOneRefusedFlowChangesNothing() throws Exception {
    sw.apply(adds(pipeline()));
    List<Flow> before = ours();
    // set_field vlan_vid on a match that does not guarantee a tag, without a push_vlan before it
    Flow bad = flow(0, 300, FlowMatch.inPort(p3), List.of(new SetVlanVid(5), new Output(p2)));
    Flow good = flow(0, 300, FlowMatch.inPort(p1).vlan(5), List.of(new Output(p2)));

    assertThatThrownBy(
            () ->
                sw.apply(
                    List.of(
                        FlowMod.add(good), FlowMod.delete(pipeline().get(3)), FlowMod.add(bad))))
        .isInstanceOfSatisfying(
            OpenFlowException.class,
            e -> {
              assertThat(e.errorType()).isEqualTo(BAD_ACTION);
              assertThat(e.errorCode()).isEqualTo(MATCH_INCONSISTENT);
              assertThat(e.refused()).isTrue();
              assertThat(e.getMessage()).contains("BAD_ACTION/MATCH_INCONSISTENT");
            });

    assertThat(ours()).containsExactlyInAnyOrderElementsOf(before);
    // the same session goes on: the bundle was discarded, not left open
    sw.apply(List.of(FlowMod.add(good)));
    assertThat(ours()).hasSize(before.size() + 1).contains(good);
  }

  @Test
  void aPacketOutEntersTableZero() throws Exception {
    String ns = ovs.namespace();
    OvsInstance.run("ip", "netns", "exec", ns, "ip", "link", "set", "p2", "up");
    sw.apply(List.of(FlowMod.add(flow(0, 10, FlowMatch.inPort(p1), List.of(new Output(p2))))));
    long before = rxPackets("p2");
    byte[] frame = new byte[60];
    for (int i = 0; i < 6; i++) {
      frame[i] = (byte) 0xff; // broadcast from 02:00:00:00:00:01, ethertype 0x88b5 (local)
    }
    frame[6] = 0x02;
    frame[11] = 0x01;
    frame[12] = (byte) 0x88;
    frame[13] = (byte) 0xb5;

    sw.packetOut(p1, frame);
    sw.packetOut(p3, frame); // no flow for p3: dropped

    await().atMost(Duration.ofSeconds(10)).until(() -> rxPackets("p2") == before + 1);
    assertThat(ofctl("dump-flows", mgmt().toString())).contains("n_packets=1,");
  }

  private long rxPackets(String device) {
    return Long.parseLong(
        OvsInstance.run(
                "ip",
                "netns",
                "exec",
                ovs.namespace(),
                "cat",
                "/sys/class/net/" + device + "/statistics/rx_packets")
            .strip());
  }

  @Test
  void aRestartedVswitchdIsReconnectedToOnTheNextCall() throws Exception {
    sw.apply(adds(pipeline()));
    assertThat(ours()).hasSize(pipeline().size());

    restartVswitchd();

    // the old connection is gone: this very call connects afresh; flows do not survive a restart
    assertThat(ours()).isEmpty();
    sw.apply(adds(pipeline()));
    assertThat(ours()).containsExactlyInAnyOrderElementsOf(pipeline());
  }

  /**
   * Restarts ovs-vswitchd (the bridge comes back from the database with a new management socket,
   * without flows).
   */
  private void restartVswitchd() throws Exception {
    ovs.restartVswitchd();
    // ovs-vsctl waits until the new vswitchd has configured the bridge (and opened br0.mgmt)
    ovs.vsctl("set", "bridge", "br0", "external_ids:restarted=true");
    assertThat(mgmt()).exists();
  }

  private ProcessHandle vswitchd() throws Exception {
    long pid = Long.parseLong(Files.readString(ovsDir.resolve("vswitchd.pid")).strip());
    return ProcessHandle.of(pid).orElseThrow();
  }

  @Test
  void aHungSwitchTimesOutAndTheNextCallConnectsAfresh() throws Exception {
    sw.apply(adds(pipeline()));
    long pid = vswitchd().pid();
    Duration timeout = Duration.ofMillis(500);
    try (OpenFlowSwitch impatient = new OpenFlowSwitch(mgmt(), timeout)) {
      assertThat(impatient.flows(COOKIE, ALL_BITS)).hasSize(pipeline().size());
      OvsInstance.run("kill", "-STOP", Long.toString(pid));
      long start = System.nanoTime();
      try {
        assertThatThrownBy(() -> impatient.flows(COOKIE, ALL_BITS))
            .isInstanceOfSatisfying(
                OpenFlowException.class,
                e -> {
                  assertThat(e.errorType()).isEqualTo(OpenFlowException.NONE);
                  assertThat(e.refused()).isFalse();
                });
      } finally {
        OvsInstance.run("kill", "-CONT", Long.toString(pid));
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took).isBetween(timeout, timeout.plusSeconds(3));
      assertThat(impatient.flows(COOKIE, ALL_BITS)).containsExactlyInAnyOrderElementsOf(pipeline());
    }
  }

  @Test
  void aClosedSessionRefusesCalls() throws Exception {
    sw.apply(adds(pipeline()));

    sw.close();
    sw.close(); // closing twice is harmless

    assertThatThrownBy(() -> sw.flows(COOKIE, ALL_BITS)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> sw.apply(adds(pipeline()))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> sw.packetOut(p1, new byte[60]))
        .isInstanceOf(IllegalStateException.class);
  }
}
