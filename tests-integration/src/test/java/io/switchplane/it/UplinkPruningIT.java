package io.switchplane.it;

import static io.switchplane.it.net.OvsInstance.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.backend.OvsBackend;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.bench.vcsim.VcSim;
import io.switchplane.bench.vcsim.VcenterOperator;
import io.switchplane.cli.run.LocalStack;
import io.switchplane.it.net.NetNs;
import io.switchplane.it.net.OvsInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VM tracker's VLAN pruning, proved with frames: the uplink the tracker trims is the host's
 * real NIC on its Open vSwitch, so a VLAN no powered-on VM on the host needs is really dropped
 * there. vCenter is govmomi's simulator, driven like an operator would.
 *
 * <pre>
 *   ns H (host-1): its own OVS, driven by an ovs-backend agent (in this JVM, over the OVSDB socket);
 *                  the DVS bridge with the VM port (VLAN 100, moved into ns V) and, once the tracker
 *                  provisions it, the NIC up0 (a veth to the top-of-rack switch)
 *   ns T (ToR):    its own OVS, bridge tor, trunks every VLAN on tor1 (up0's peer); peer0 on VLAN 100 → ns P
 *   ns V:          the VM: 10.230.0.1
 *   ns P:          a peer on VLAN 100 behind the ToR: 10.230.0.2, a TCP listener (an agent process)
 * </pre>
 *
 * The simulator's host DC0_C0_H0 (two VMs, both on port group DC0_DVPG0, VLAN 100) maps to host-1.
 * Teardown stops every process it started and deletes every OVS instance and namespace it made.
 */
class UplinkPruningIT {
  /**
   * The backend its agents run on: ovs, the VLANs as Port columns ({@code UplinkPruningOpenFlowIT}
   * runs the same with ovs-openflow, the VLANs as flows).
   */
  String backend() {
    return OvsBackend.NAME;
  }

  private static final AtomicInteger RUNS = new AtomicInteger();
  private static final Duration PROBE = Duration.ofMillis(250);
  private static final String VM_IP = "10.230.0.1";
  private static final String PEER_IP = "10.230.0.2";

  @TempDir Path dir;

  /** Unique per run (device and namespace names have at most 15 characters). */
  private final String id = ProcessHandle.current().pid() % 10_000 + "u" + RUNS.incrementAndGet();

  private final String vmNs = "sp-uv" + id;
  private final String peerNs = "sp-up" + id;
  private final List<String> namespaces = new ArrayList<>();
  private OvsInstance host;
  private OvsInstance tor;
  private ChildProcess listener;
  private HostAgent agent;
  private LocalStack stack;
  private VcSim vcsim;
  private VcenterOperator vc;

  @BeforeEach
  void setUp() throws IOException {
    host = OvsInstance.start(dir.resolve("host-ovs"), "sp-uh" + id);
    tor = OvsInstance.start(dir.resolve("tor-ovs"), "sp-ut" + id);
    for (String ns : List.of(vmNs, peerNs)) {
      run("ip", "netns", "add", ns);
      namespaces.add(ns);
    }
    // The host's physical uplink: a veth into the top-of-rack switch, which trunks every VLAN on
    // it.
    run(
        "ip",
        "netns",
        "exec",
        host.namespace(),
        "ip",
        "link",
        "add",
        "up0",
        "type",
        "veth",
        "peer",
        "name",
        "tor1",
        "netns",
        tor.namespace());
    run("ip", "netns", "exec", host.namespace(), "ip", "link", "set", "up0", "up");
    run("ip", "netns", "exec", tor.namespace(), "ip", "link", "set", "tor1", "up");
    tor.vsctl("add-br", "tor", "--", "set", "bridge", "tor", "datapath_type=netdev");
    tor.vsctl("add-port", "tor", "tor1");
    NetNs.internalPortInto(tor, "tor", "peer0", 100, peerNs, PEER_IP);
    run("ip", "netns", "exec", peerNs, "ip", "link", "set", "lo", "up");
    // Something answering TCP on the peer: a manager's operator API (an agent without a certificate
    // serves plaintext on loopback only).
    listener =
        ChildProcess.startIn(
            peerNs,
            dir.resolve("listener"),
            List.of(),
            "manager",
            "--listen",
            "0.0.0.0:7401",
            "--data-dir",
            dir.resolve("listener").toString());

    vcsim = VcSim.start(dir.resolve("vcsim"), new VcSim.Size(1, 1, 2, 0, 1));
    vc = VcenterOperator.connect(vcsim.sdkUrl(), VcSim.USER, VcSim.PASSWORD);
    vc.setPortgroupVlan("DC0_DVPG0", 100);

    stack = LocalStack.start(dir.resolve("stack"), 0, 0, 0);
    agent =
        new HostAgent(
            new AgentConfig(
                    AgentConfig.DEFAULT_BIND_HOST,
                    0,
                    dir.resolve("agent"),
                    backend(),
                    "",
                    "host-1",
                    host.db(),
                    null,
                    false)
                .withInsecurePlaintext());
    agent.start();
    stack
        .stub()
        .registerHost(
            RegisterHostRequest.newBuilder()
                .setName("host-1")
                .setEndpoint(agent.endpoint())
                .build());
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    if (vc != null) {
      vc.close();
    }
    if (vcsim != null) {
      vcsim.close();
    }
    if (stack != null) {
      stack.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (listener != null) {
      listener.kill();
    }
    if (host != null) {
      host.close(); // its daemons, then its namespace (with up0, whose peer tor1 goes too)
    }
    if (tor != null) {
      tor.close();
    }
    for (String ns : namespaces) {
      run("ip", "netns", "del", ns);
    }
  }

  @Test
  void aVlanPassesTheUplinkWhileAPoweredOnVmNeedsItAndIsDroppedThereAfterTheLastPowersOff()
      throws IOException {
    ok("dvs", "create", "dvs1", "--uplinks", "uplink1");
    ok("dvs", "add-host", "dvs1", "host-1", "--nic", "uplink1=up0");
    ok("portgroup", "create", "dvs1", "DC0_DVPG0", "--vlan", "100");
    ok(
        "port",
        "create",
        "dvs1",
        "vm1",
        "--portgroup",
        "DC0_DVPG0",
        "--host",
        "host-1",
        "--vm",
        "4211-aa",
        "--mac",
        "00:50:56:00:00:aa");
    String dvsId = stack.dvsId("dvs1");
    String bridge = OvsBackend.bridgeName(dvsId);
    String vmPort = OvsBackend.portName(dvsId, "vm1");
    // The device appears once ovs-vswitchd has applied the port, a moment after OVSDB holds it.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                run("ip", "netns", "exec", host.namespace(), "ip", "-o", "link", "show")
                    .contains(" " + vmPort + ":"));
    run("ip", "netns", "exec", host.namespace(), "ip", "link", "set", vmPort, "netns", vmNs);
    run("ip", "netns", "exec", vmNs, "ip", "addr", "add", VM_IP + "/24", "dev", vmPort);
    run("ip", "netns", "exec", vmNs, "ip", "link", "set", vmPort, "up");
    run("ip", "netns", "exec", vmNs, "ip", "link", "set", "lo", "up");
    assertThat(reachable())
        .as("no uplink on the bridge yet: the VM's VLAN has no way out")
        .isFalse();

    addVcenter();
    List<String> vms =
        vc.vmNames().stream().filter(vm -> hostOf(vm).equals("DC0_C0_H0")).sorted().toList();
    assertThat(vms).as("the simulator's two VMs run on DC0_C0_H0").hasSize(2);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(this::reachable);
    assertThat(uplinkInterfaces(bridge))
        .as("the uplink on the bridge is the host's NIC")
        .contains("up0");

    // One of the two VMs powers off: the other still needs VLAN 100, so the uplink keeps it.
    vc.powerOff(vms.get(0));
    await().atMost(Duration.ofSeconds(30)).until(() -> trackerSees(vms.get(0), "off"));
    // The tracker has seen it; a wrong prune would follow within its reconcile and push: it must
    // not come, so the path must stay up throughout.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(this::reachable);
    assertThat(reachable()).as("VLAN 100 passes while a powered-on VM needs it").isTrue();

    // The last VM needing VLAN 100 powers off: the NIC drops it.
    vc.powerOff(vms.get(1));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !reachable());
    await().atMost(Duration.ofSeconds(10)).until(() -> trackerSees(vms.get(1), "off"));
    assertThat(reachable()).as("VLAN 100 is dropped on the uplink once no VM needs it").isFalse();
    assertThat(run("ip", "netns", "exec", host.namespace(), "ip", "-o", "link", "show"))
        .as("the host keeps its NIC")
        .contains("up0@");

    // And back when a VM needing it powers on again.
    vc.powerOn(vms.get(1));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(this::reachable);
  }

  private String hostOf(String vm) {
    try {
      return vc.hostOf(vm);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the host of " + vm, e);
    }
  }

  /** Whether a TCP connection from the VM reaches the peer behind the top-of-rack switch. */
  private boolean reachable() {
    return NetNs.tcpReachable(vmNs, PEER_IP, 7401, PROBE);
  }

  /** The interfaces of the DVS bridge's ports, as OVS has them. */
  private String uplinkInterfaces(String bridge) {
    return host.vsctl("list-ifaces", bridge);
  }

  private boolean trackerSees(String vm, String state) {
    return ok("vmtracker", "show", "--vm", vm)
        .out()
        .lines()
        .anyMatch(l -> l.contains(vm) && l.contains(" " + state + " "));
  }

  private void addVcenter() throws IOException {
    Path pw = dir.resolve("vc1.pw");
    Files.writeString(pw, VcSim.PASSWORD + "\n");
    ok(
        "vcenter",
        "add",
        "vc1",
        "--url",
        vcsim.sdkUrl().toString(),
        "--user",
        VcSim.USER,
        "--password-file",
        pw.toString(),
        "--dvs",
        "dvs1",
        "--map-host",
        "DC0_C0_H0=host-1");
  }

  private Cli.Run ok(String... args) {
    Cli.Run r = Cli.run(stack, args);
    assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
    return r;
  }
}
