package io.switchplane.it;

import static io.switchplane.it.net.OvsInstance.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.backend.OvsBackend;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.GetHostDesiredStateRequest;
import io.switchplane.api.v1.GetManagerInfoRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceBlockingStub;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListSwitchesRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.PortUpdate;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.it.net.NetNs;
import io.switchplane.it.net.OvsInstance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.curator.test.TestingServer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three hosts behind a top-of-rack switch, with real packets: a bad change on one host's management
 * port cuts that host off the manager and no other, and it alone reverts; a bad change of the
 * management port group cuts every host, and every one reverts by itself.
 *
 * <pre>
 *   ns FAB (top-of-rack): its own OVS, bridge fab, trunks all VLANs on fab1..fab3 ─┬─ mgrlink (tag 100) → ns MGR
 *   ns MGR:  manager (embedded ZooKeeper), mgrlink 10.210.0.1                       │
 *   ns Hn:   its own OVS; the DVS bridge with uplink up0 (veth to FAB's fabN) ──────┘
 *            vmk0 10.210.0.1n (internal port, the management port, VLAN 100), agent hn
 * </pre>
 *
 * The test reaches every namespace over out-of-band veths (10.211.n/24, 10.212.0/24) to drive the
 * API and to read agents while their management path is down. Teardown stops every process it
 * started and deletes every link, OVS instance and namespace it made.
 */
class FabricIT {
  /**
   * The backend its agents run on: ovs, the VLANs as Port columns ({@code FabricOpenFlowIT} runs
   * the same with ovs-openflow, the VLANs as flows).
   */
  String backend() {
    return OvsBackend.NAME;
  }

  private static final int CONFIRM_MS = 4_000;
  private static final int HOSTS = 3;
  private static final AtomicInteger RUNS = new AtomicInteger();

  /** Polling probes: short, so that each is a fresh SYN (see NetNs.tcpReachable). */
  private static final Duration PROBE = Duration.ofMillis(250);

  @TempDir Path dir;

  /** Unique per run (device and namespace names have at most 15 characters). */
  private final String id = ProcessHandle.current().pid() % 10_000 + "x" + RUNS.incrementAndGet();

  private final String mgrNs = "sp-m" + id;
  private final List<String> oobLinks = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Host> hosts = new ArrayList<>();
  private OvsInstance fabric;
  private boolean mgrNsMade;
  private ChildProcess manager;
  private TestingServer zk;
  private ManagerServiceBlockingStub api;
  private String dvsId;

  /** One hypervisor host: its namespace, OVS, agent and out-of-band stub. */
  private static final class Host {
    final String name;
    final String mgmtIp;
    OvsInstance ovs;
    ChildProcess agent;
    HostAgentServiceBlockingStub oob;

    Host(int n) {
      this.name = "h" + n;
      this.mgmtIp = "10.210.0.1" + n;
    }

    String mgmtPort() {
      return name + "-vmk0";
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    fabric = OvsInstance.start(dir.resolve("fabric"), "sp-f" + id);
    fabric.vsctl("add-br", "fab", "--", "set", "bridge", "fab", "datapath_type=netdev");
    run("ip", "netns", "add", mgrNs);
    mgrNsMade = true;
    NetNs.internalPortInto(fabric, "fab", "mgrlink", 100, mgrNs, "10.210.0.1");
    outOfBand("spom" + id, mgrNs, "10.212.0.1", "10.212.0.2");
    zk =
        new TestingServer(
            true); // in this namespace, so the test reads the CA as a second manager would
    manager =
        ChildProcess.startIn(
            mgrNs,
            dir.resolve("manager"),
            List.of(),
            "manager",
            "--listen",
            "0.0.0.0:7400",
            "--data-dir",
            dir.resolve("manager").toString(),
            "--zookeeper",
            "10.212.0.1:" + zk.getPort());
    ManagedChannel operator =
        channel("10.212.0.2:7400", TestPki.operatorCredentials(dir.resolve("manager")));
    api = ManagerServiceGrpc.newBlockingStub(operator);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> api.getManagerInfo(GetManagerInfoRequest.getDefaultInstance()).getLeader());
    ChannelCredentials oobCreds =
        TestPki.managerCredentials(
            zk.getConnectString(),
            dir.resolve("manager").resolve("vcenter-secret.key"),
            "it-out-of-band");

    for (int n = 1; n <= HOSTS; n++) {
      Host h = new Host(n);
      hosts.add(h);
      String ns = "sp-h" + n + "x" + id;
      h.ovs = OvsInstance.start(dir.resolve(h.name + "-ovs"), ns);
      outOfBand("spo" + n + "x" + id, ns, "10.211." + n + ".1", "10.211." + n + ".11");
      // Registered and enrolled before its agent starts: the agent then serves mutual TLS only.
      api.registerHost(
          RegisterHostRequest.newBuilder().setName(h.name).setEndpoint(h.mgmtIp + ":7401").build());
      TestPki.enroll(operator, h.name, "10.212.0.2:7402", dir.resolve(h.name));
      h.agent =
          ChildProcess.startIn(
              ns,
              dir.resolve(h.name),
              List.of(),
              "agent",
              "--listen",
              "0.0.0.0:7401",
              "--data-dir",
              dir.resolve(h.name).toString(),
              "--backend",
              backend(),
              "--ovsdb",
              h.ovs.db(),
              "--name",
              h.name);
      h.oob = HostAgentServiceGrpc.newBlockingStub(channel("10.211." + n + ".11:7401", oobCreds));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> api.getManagerInfo(GetManagerInfoRequest.getDefaultInstance()).getLeader());
    for (Host h : hosts) {
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(
              () ->
                  h.oob
                          .withDeadlineAfter(1, TimeUnit.SECONDS)
                          .listSwitches(ListSwitchesRequest.getDefaultInstance())
                      != null);
    }
  }

  private void outOfBand(String rootSide, String ns, String rootIp, String nsIp) {
    oobLinks.add(rootSide);
    NetNs.outOfBand(rootSide, ns, rootIp, nsIp);
  }

  private ManagedChannel channel(String target, ChannelCredentials creds) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(target, creds).build();
    channels.add(ch);
    return ch;
  }

  @AfterEach
  void tearDown() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (Host h : hosts) {
      if (h.agent != null) {
        h.agent.kill();
      }
    }
    if (manager != null) {
      manager.kill();
    }
    if (zk != null) {
      zk.close();
    }
    NetNs.deleteLinks(oobLinks);
    for (Host h : hosts) {
      if (h.ovs != null) {
        h.ovs.close(); // its daemons, then its namespace (with up0, whose peer in the fabric goes
        // too)
      }
    }
    if (fabric != null) {
      fabric.close();
    }
    if (mgrNsMade) {
      run("ip", "netns", "del", mgrNs);
    }
  }

  @Test
  void aBadManagementChangeCutsOnlyTheHostsItReachesAndEachRevertsByItself() {
    bootstrap();

    // A good change on every host's VM port: confirmed over the fabric, and it stays.
    long good = commit(updatePortGroup("web", 301, false));
    for (Host h : hosts) {
      awaitStatus(
          h,
          st ->
              st.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC
                  && st.getAppliedGeneration() == good);
      assertThat(tag(h, h.name + "-vm1")).isEqualTo("301");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> hosts.stream().noneMatch(h -> agentState(h).hasPending()));

    // One host's management port moves to a VLAN the fabric does not bring to the manager.
    Host h1 = hosts.get(0);
    long cutOne = commit(updatePort(h1, 200));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> agentState(h1).getPending().getGeneration() == cutOne);
    long deadline = agentState(h1).getPending().getDeadlineUnixMs();
    assertThat(tag(h1, h1.mgmtPort())).isEqualTo("200");
    assertThat(cut(h1)).as("h1's TCP path from the manager really breaks").isTrue();
    for (Host other : hosts.subList(1, HOSTS)) {
      assertThat(reachable(other)).as("%s is not touched by h1's change", other.name).isTrue();
    }
    long back = awaitReachable(h1, deadline);
    System.out.printf(
        "fabric-revert: one host cut, back %d ms after the %d ms confirm deadline%n",
        back, CONFIRM_MS);
    assertThat(back).isLessThan(3_000);
    // The path is back as soon as the switch is; the agent reports the rollback once it is stored.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(agentState(h1).getLastRollback().getCause())
                    .isEqualTo(RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT));
    assertThat(tag(h1, h1.mgmtPort())).isEqualTo("100");
    awaitStatus(
        h1,
        st ->
            st.getState() == HostSyncState.HOST_SYNC_STATE_ROLLED_BACK
                && st.getLastRollback().getGeneration() == cutOne);
    for (Host other : hosts.subList(1, HOSTS)) {
      assertThat(status(other).getState())
          .as(other.name)
          .isEqualTo(HostSyncState.HOST_SYNC_STATE_IN_SYNC);
      assertThat(agentState(other).getLastRollback().getGeneration()).as(other.name).isZero();
    }

    // The operator drops the override: h1 is in sync again.
    long fixed = commit(updatePort(h1, 0));
    awaitStatus(
        h1,
        st ->
            st.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC
                && st.getAppliedGeneration() == fixed);

    // The management port group itself moves: every host is cut, every host reverts by itself.
    long cutAll = commit(updatePortGroup("mgmt", 200, true));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                hosts.stream().allMatch(h -> agentState(h).getPending().getGeneration() == cutAll));
    Map<String, Long> deadlines =
        hosts.stream()
            .collect(
                Collectors.toMap(h -> h.name, h -> agentState(h).getPending().getDeadlineUnixMs()));
    for (Host h : hosts) {
      assertThat(cut(h)).as("%s is cut", h.name).isTrue();
    }
    Map<String, CompletableFuture<Long>> restored =
        hosts.stream()
            .collect(
                Collectors.toMap(
                    h -> h.name,
                    h ->
                        CompletableFuture.supplyAsync(
                            () -> awaitReachable(h, deadlines.get(h.name)))));
    for (Host h : hosts) {
      long ms = restored.get(h.name).join();
      System.out.printf(
          "fabric-revert: all hosts cut, %s back %d ms after its confirm deadline%n", h.name, ms);
      assertThat(ms).isLessThan(3_000);
      awaitStatus(
          h,
          st ->
              st.getState() == HostSyncState.HOST_SYNC_STATE_ROLLED_BACK
                  && st.getLastRollback().getGeneration() == cutAll);
      assertThat(tag(h, h.mgmtPort())).isEqualTo("100");
      assertThat(tag(h, h.name + "-vm1")).as("the earlier confirmed change stays").isEqualTo("301");
    }
  }

  /**
   * The DVS, its hosts and their first state (put in out of band, as an installer would); then all
   * in sync.
   */
  private void bootstrap() {
    dvsId = api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build()).getDvs().getId();
    api.createPortGroup(
        CreatePortGroupRequest.newBuilder()
            .setDvs("sw")
            .setPortGroup(PortGroup.newBuilder().setName("mgmt").setPolicy(vlan(100, true)))
            .build());
    api.createPortGroup(
        CreatePortGroupRequest.newBuilder()
            .setDvs("sw")
            .setPortGroup(PortGroup.newBuilder().setName("web").setPolicy(vlan(300, false)))
            .build());
    for (Host h : hosts) {
      api.addDvsMember(
          AddDvsMemberRequest.newBuilder()
              .setDvs("sw")
              .setMember(HostMember.newBuilder().setHostId(h.name))
              .build());
      api.createPort(
          CreatePortRequest.newBuilder()
              .setDvs("sw")
              .setPort(
                  Port.newBuilder().setKey(h.mgmtPort()).setPortGroupId("mgmt").setHostId(h.name))
              .build());
      api.createPort(
          CreatePortRequest.newBuilder()
              .setDvs("sw")
              .setPort(
                  Port.newBuilder().setKey(h.name + "-vm1").setPortGroupId("web").setHostId(h.name))
              .build());
    }
    for (int n = 1; n <= HOSTS; n++) {
      Host h = hosts.get(n - 1);
      HostSwitchState first =
          api.getHostDesiredState(
                  GetHostDesiredStateRequest.newBuilder().setDvs("sw").setHost(h.name).build())
              .getDesired();
      ApplyResponse boot =
          h.oob.apply(
              ApplyRequest.newBuilder().setDesired(first).setConfirmTimeoutMs(60_000).build());
      h.oob.confirm(
          ConfirmRequest.newBuilder()
              .setDvsId(dvsId)
              .setGeneration(boot.getAppliedGeneration())
              .setNonce(boot.getNonce())
              .build());
      String ns = h.ovs.namespace();
      String vmk0 = OvsBackend.portName(dvsId, h.mgmtPort());
      run("ip", "netns", "exec", ns, "ip", "addr", "add", h.mgmtIp + "/24", "dev", vmk0);
      run("ip", "netns", "exec", ns, "ip", "link", "set", vmk0, "up");
      // The uplink: a veth from the host's DVS bridge to the top-of-rack switch, both ends untagged
      // (a trunk).
      run(
          "ip",
          "netns",
          "exec",
          ns,
          "ip",
          "link",
          "add",
          "up0",
          "type",
          "veth",
          "peer",
          "name",
          "fab" + n,
          "netns",
          fabric.namespace());
      run("ip", "netns", "exec", ns, "ip", "link", "set", "up0", "up");
      run("ip", "netns", "exec", fabric.namespace(), "ip", "link", "set", "fab" + n, "up");
      h.ovs.vsctl("add-port", OvsBackend.bridgeName(dvsId), "up0");
      fabric.vsctl("add-port", "fab", "fab" + n);
    }
    for (Host h : hosts) {
      await().atMost(Duration.ofSeconds(10)).until(() -> reachable(h));
      awaitStatus(h, st -> st.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC);
    }
  }

  private static Policy vlan(int vid, boolean portsMayOverride) {
    return Policy.newBuilder()
        .setVlan(
            VlanSetting.newBuilder()
                .setValue(Vlan.newBuilder().setAccessId(vid))
                .setOverrideAllowed(portsMayOverride))
        .build();
  }

  private static ChangeOp updatePortGroup(String name, int vid, boolean portsMayOverride) {
    return ChangeOp.newBuilder()
        .setUpdatePortGroup(
            PortGroupUpdate.newBuilder()
                .setPortGroup(name)
                .setSettings(
                    PortGroup.newBuilder().setName(name).setPolicy(vlan(vid, portsMayOverride))))
        .build();
  }

  /** The host's management port with its own VLAN (0: none, it follows its port group). */
  private static ChangeOp updatePort(Host h, int vid) {
    Port.Builder port = Port.newBuilder().setPortGroupId("mgmt").setHostId(h.name);
    if (vid != 0) {
      port.setPolicy(vlan(vid, false));
    }
    return ChangeOp.newBuilder()
        .setUpdatePort(PortUpdate.newBuilder().setKey(h.mgmtPort()).setSettings(port))
        .build();
  }

  private long commit(ChangeOp op) {
    return api.commitChangeSet(
            CommitChangeSetRequest.newBuilder()
                .setDvs("sw")
                .setConfirmTimeoutMs(CONFIRM_MS)
                .addOps(op)
                .build())
        .getGeneration();
  }

  /** Whether the manager's namespace reaches the host's agent over the management path. */
  private boolean reachable(Host h) {
    return NetNs.tcpReachable(mgrNs, h.mgmtIp, 7401);
  }

  /**
   * Whether a probe from the manager's namespace fails (short, so that a test sees the cut before
   * the deadline).
   */
  private boolean cut(Host h) {
    return !NetNs.tcpReachable(mgrNs, h.mgmtIp, 7401, PROBE);
  }

  /** Polls until the management path to h works; returns the milliseconds since deadline. */
  private long awaitReachable(Host h, long deadlineUnixMs) {
    await()
        .atMost(Duration.ofMillis(CONFIRM_MS + 10_000))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> NetNs.tcpReachable(mgrNs, h.mgmtIp, 7401, PROBE));
    return System.currentTimeMillis() - deadlineUnixMs;
  }

  private GetStateResponse agentState(Host h) {
    return h.oob
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .getState(GetStateRequest.newBuilder().setDvsId(dvsId).build());
  }

  private String tag(Host h, String key) {
    return h.ovs.accessVlan(
        backend(), OvsBackend.bridgeName(dvsId), OvsBackend.portName(dvsId, key));
  }

  private HostPushStatus status(Host h) {
    return api
        .getPushStatus(GetPushStatusRequest.newBuilder().setDvs("sw").build())
        .getHostsList()
        .stream()
        .filter(st -> st.getHostName().equals(h.name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no push status for " + h.name));
  }

  /** Waits for h's push status to satisfy want; on timeout, says what the manager saw. */
  private void awaitStatus(Host h, Predicate<HostPushStatus> want) {
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> want.test(status(h)));
    } catch (ConditionTimeoutException e) {
      String log = manager.output();
      throw new AssertionError(
          h.name
              + " status "
              + status(h)
              + "\nmanager log (tail):\n"
              + log.substring(Math.max(0, log.length() - 4_000)),
          e);
    }
  }
}
