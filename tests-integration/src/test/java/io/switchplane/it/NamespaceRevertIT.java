package io.switchplane.it;

import static io.switchplane.it.net.OvsInstance.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceBlockingStub;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
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
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad VLAN on the management port really cuts the manager off, and the agent's auto-revert really
 * brings it back, with real packets through Open vSwitch:
 *
 * <pre>
 *   ns MGR:  manager (embedded ZooKeeper), mgrlink 10.200.0.1 ─┐ (OVS internal port, tag 100, moved to MGR)
 *   ns HOST: OVS bridge of the DVS ────────────────────────────┤
 *            vmk0 10.200.0.11 (internal port, the management port, VLAN 100), agent
 * </pre>
 *
 * The test itself reaches both namespaces over out-of-band veth links (10.201/24, 10.202/24) to
 * drive the API and to read the agent while the management path is down. Nothing leaves the
 * namespaces the test made; teardown stops both processes and deletes both namespaces.
 */
class NamespaceRevertIT {
  /**
   * The backend its agents run on: ovs, the VLANs as Port columns ({@code
   * NamespaceRevertOpenFlowIT} runs the same with ovs-openflow, the VLANs as flows).
   */
  String backend() {
    return OvsBackend.NAME;
  }

  private static final int CONFIRM_MS = 4_000;
  private static final String MGMT_IP = "10.200.0.11";

  @TempDir Path dir;
  private static final java.util.concurrent.atomic.AtomicInteger RUNS =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Unique per test run (link and namespace names have at most 15 characters). */
  private final String id = ProcessHandle.current().pid() % 10_000 + "x" + RUNS.incrementAndGet();

  private final String hostNs = "sp-h" + id;
  private final String mgrNs = "sp-m" + id;
  private OvsInstance ovs;
  private boolean mgrNsMade;
  private ChildProcess manager;
  private ChildProcess agent;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private ManagerServiceBlockingStub api;
  private HostAgentServiceBlockingStub oob;
  private TestingServer zk;
  private String dvsId;

  @BeforeEach
  void setUp() throws Exception {
    ovs = OvsInstance.start(dir.resolve("ovs"), hostNs);
    run("ip", "netns", "add", mgrNs);
    mgrNsMade = true;
    NetNs.outOfBand("spoh" + id, hostNs, "10.201.0.1", "10.201.0.11");
    NetNs.outOfBand("spom" + id, mgrNs, "10.202.0.1", "10.202.0.2");

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
            "--drift-check-ms",
            "1000",
            "--zookeeper",
            "10.202.0.1:" + zk.getPort());
    ManagedChannel operator = channel("10.202.0.2:7400");
    api = ManagerServiceGrpc.newBlockingStub(operator);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () ->
                api.getManagerInfo(io.switchplane.api.v1.GetManagerInfoRequest.getDefaultInstance())
                    .getLeader());
    // The host is registered and its agent's data dir enrolled before the agent starts: mutual TLS
    // only.
    api.registerHost(
        RegisterHostRequest.newBuilder().setName("h1").setEndpoint(MGMT_IP + ":7401").build());
    TestPki.enroll(operator, "h1", "10.202.0.2:7402", dir.resolve("agent"));
    ManagedChannel oobChannel =
        NettyChannelBuilder.forTarget(
                "10.201.0.11:7401",
                TestPki.managerCredentials(
                    zk.getConnectString(),
                    dir.resolve("manager").resolve("vcenter-secret.key"),
                    "it-out-of-band"))
            .build();
    channels.add(oobChannel);
    oob = HostAgentServiceGrpc.newBlockingStub(oobChannel);
  }

  /** Starts the host's agent on the ovs backend, in the host's namespace. */
  private void startAgent(String... extra) throws java.io.IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "agent",
                "--listen",
                "0.0.0.0:7401",
                "--data-dir",
                dir.resolve("agent").toString(),
                "--backend",
                backend(),
                "--ovsdb",
                ovs.db(),
                "--name",
                "h1"));
    args.addAll(List.of(extra));
    agent =
        ChildProcess.startIn(hostNs, dir.resolve("agent"), List.of(), args.toArray(new String[0]));
    // The out-of-band link may need a moment before the first connection gets through.
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () ->
                oob.withDeadlineAfter(1, TimeUnit.SECONDS)
                        .listSwitches(
                            io.switchplane.api.v1.ListSwitchesRequest.getDefaultInstance())
                    != null);
  }

  private ManagedChannel channel(String target) throws java.io.IOException {
    ManagedChannel ch =
        NettyChannelBuilder.forTarget(target, TestPki.operatorCredentials(dir.resolve("manager")))
            .build();
    channels.add(ch);
    return ch;
  }

  @AfterEach
  void tearDown() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    if (agent != null) {
      agent.kill();
    }
    if (manager != null) {
      manager.kill();
    }
    if (zk != null) {
      zk.close();
    }
    NetNs.deleteLinks(List.of("spoh" + id, "spom" + id));
    if (ovs != null) {
      ovs.close(); // its daemons, then its namespace
    }
    if (mgrNsMade) {
      run("ip", "netns", "del", mgrNs);
    }
  }

  private static Policy vlan(int vid) {
    return Policy.newBuilder()
        .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(vid)))
        .build();
  }

  /** Waits for the host's push status to satisfy want; on timeout, says what the manager saw. */
  private void awaitStatus(java.util.function.Predicate<HostPushStatus> want, Duration atMost) {
    try {
      await().atMost(atMost).until(() -> want.test(status()));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String log = manager.output();
      throw new AssertionError(
          "host status "
              + status()
              + "\nmanager log (tail):\n"
              + log.substring(Math.max(0, log.length() - 4_000)),
          e);
    }
  }

  private HostPushStatus status() {
    return api.getPushStatus(GetPushStatusRequest.newBuilder().setDvs("sw").build()).getHosts(0);
  }

  /**
   * Whether a TCP connection from the manager's namespace reaches the agent over the management
   * path.
   */
  private boolean managementPathUp() {
    return NetNs.tcpReachable(mgrNs, MGMT_IP, 7401);
  }

  /**
   * A short probe, so that each poll is a fresh SYN and sees the path back at once (see
   * NetNs.tcpReachable).
   */
  private boolean managementPathBack() {
    return NetNs.tcpReachable(mgrNs, MGMT_IP, 7401, Duration.ofMillis(250));
  }

  private GetStateResponse agentState() {
    return oob.withDeadlineAfter(5, TimeUnit.SECONDS)
        .getState(GetStateRequest.newBuilder().setDvsId(dvsId).build());
  }

  private String tag(String key) {
    return ovs.accessVlan(backend(), OvsBackend.bridgeName(dvsId), OvsBackend.portName(dvsId, key));
  }

  private long changeVlan(String portGroup, int vid) {
    return api.commitChangeSet(
            CommitChangeSetRequest.newBuilder()
                .setDvs("sw")
                .setConfirmTimeoutMs(CONFIRM_MS)
                .addOps(
                    ChangeOp.newBuilder()
                        .setUpdatePortGroup(
                            PortGroupUpdate.newBuilder()
                                .setPortGroup(portGroup)
                                .setSettings(
                                    PortGroup.newBuilder()
                                        .setName(portGroup)
                                        .setPolicy(vlan(vid)))))
                .build())
        .getGeneration();
  }

  /**
   * The DVS, its host, and the first state, put in out of band; then the management path is up and
   * in sync.
   */
  private void bootstrap() {
    dvsId = api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build()).getDvs().getId();
    api.addDvsMember(
        AddDvsMemberRequest.newBuilder()
            .setDvs("sw")
            .setMember(HostMember.newBuilder().setHostId("h1"))
            .build());
    api.createPortGroup(
        CreatePortGroupRequest.newBuilder()
            .setDvs("sw")
            .setPortGroup(PortGroup.newBuilder().setName("mgmt").setPolicy(vlan(100)))
            .build());
    api.createPortGroup(
        CreatePortGroupRequest.newBuilder()
            .setDvs("sw")
            .setPortGroup(PortGroup.newBuilder().setName("web").setPolicy(vlan(300)))
            .build());
    api.createPort(
        CreatePortRequest.newBuilder()
            .setDvs("sw")
            .setPort(Port.newBuilder().setKey("vmk0").setPortGroupId("mgmt").setHostId("h1"))
            .build());
    api.createPort(
        CreatePortRequest.newBuilder()
            .setDvs("sw")
            .setPort(Port.newBuilder().setKey("vm1").setPortGroupId("web").setHostId("h1"))
            .build());

    // Bootstrap, as an installer would: the first state goes in out of band, then the
    // management address moves onto the management port the agent created, and the uplink joins.
    HostSwitchState first =
        api.getHostDesiredState(
                GetHostDesiredStateRequest.newBuilder().setDvs("sw").setHost("h1").build())
            .getDesired();
    ApplyResponse boot =
        oob.apply(ApplyRequest.newBuilder().setDesired(first).setConfirmTimeoutMs(60_000).build());
    oob.confirm(
        ConfirmRequest.newBuilder()
            .setDvsId(dvsId)
            .setGeneration(boot.getAppliedGeneration())
            .setNonce(boot.getNonce())
            .build());
    String vmk0 = OvsBackend.portName(dvsId, "vmk0");
    run("ip", "netns", "exec", hostNs, "ip", "addr", "add", MGMT_IP + "/24", "dev", vmk0);
    run("ip", "netns", "exec", hostNs, "ip", "link", "set", vmk0, "up");
    // The manager's link: an internal port of the host's bridge in VLAN 100 (the uplink, not the
    // agent's), moved into the manager's namespace. (A veth would do too, but the userspace
    // datapath does not fill in the checksums a veth leaves to offload, so TCP data would drop.)
    NetNs.internalPortInto(ovs, OvsBackend.bridgeName(dvsId), "mgrlink", 100, mgrNs, "10.200.0.1");
    await().atMost(Duration.ofSeconds(10)).until(this::managementPathUp);
    awaitStatus(
        st -> st.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC, Duration.ofSeconds(60));
  }

  @Test
  void aBadVlanOnTheManagementPortCutsTheManagerOffAndTheAgentsRevertBringsItBack()
      throws Exception {
    startAgent();
    bootstrap();

    // A good change on another port is confirmed over the management path and stays past its
    // deadline.
    long good = changeVlan("web", 301);
    awaitStatus(
        st ->
            st.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC
                && st.getAppliedGeneration() == good,
        Duration.ofSeconds(30));
    assertThat(tag("vm1")).isEqualTo("301");
    await()
        .during(Duration.ofMillis(CONFIRM_MS + 500))
        .atMost(Duration.ofMillis(CONFIRM_MS + 2_000))
        .until(() -> tag("vm1").equals("301") && !agentState().hasPending());

    // The bad change: the management port moves to VLAN 200, which the uplink does not carry.
    long bad = changeVlan("mgmt", 200);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> agentState().getPending().getGeneration() == bad);
    PendingConfirm pending = agentState().getPending();
    assertThat(tag("vmk0")).isEqualTo("200");
    assertThat(managementPathUp()).as("the TCP path from the manager really breaks").isFalse();

    await()
        .atMost(Duration.ofMillis(CONFIRM_MS + 10_000))
        .pollInterval(Duration.ofMillis(20))
        .until(this::managementPathBack);
    long restoredMs = System.currentTimeMillis() - pending.getDeadlineUnixMs();
    System.out.printf(
        "ovs-revert: management path back %d ms after the %d ms confirm deadline%n",
        restoredMs, CONFIRM_MS);
    // The agent restores the switch first and records the rollback after (a synced write).
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> agentState().getLastRollback().getGeneration() == bad);
    GetStateResponse after = agentState();
    assertThat(after.getLastRollback().getGeneration()).isEqualTo(bad);
    assertThat(after.getLastRollback().getCause())
        .isEqualTo(RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT);
    assertThat(tag("vmk0")).isEqualTo("100");
    assertThat(restoredMs).isLessThan(3_000);

    // The manager reaches the host again and shows what happened; it does not push it again by
    // itself.
    awaitStatus(
        st -> st.getState() == HostSyncState.HOST_SYNC_STATE_ROLLED_BACK, Duration.ofSeconds(60));
    assertThat(status().getLastRollback().getGeneration()).isEqualTo(bad);
    assertThat(status().getLastError()).contains("cut its management path");
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                status().getState() == HostSyncState.HOST_SYNC_STATE_ROLLED_BACK
                    && tag("vmk0").equals("100"));

    // Someone changes OVS by hand: the leader's drift check shows the host out of sync, rectify
    // brings it back.
    long fixed = changeVlan("mgmt", 100);
    awaitStatus(
        st ->
            st.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC
                && st.getAppliedGeneration() == fixed,
        Duration.ofSeconds(30));
    ovs.changeVlanByHand(
        backend(), OvsBackend.bridgeName(dvsId), OvsBackend.portName(dvsId, "vm1"));
    awaitStatus(
        st -> st.getState() == HostSyncState.HOST_SYNC_STATE_OUT_OF_SYNC, Duration.ofSeconds(15));
    assertThat(status().getDriftedPortKeysList()).containsExactly("vm1");
    assertThat(status().getLastError()).contains("switchplane host rectify h1");
    var rectified =
        api.rectifyHost(
            io.switchplane.api.v1.RectifyHostRequest.newBuilder()
                .setDvs("sw")
                .setHost("h1")
                .build());
    assertThat(rectified.getDriftedPortKeysList()).containsExactly("vm1");
    assertThat(tag("vm1")).isEqualTo("301");
    awaitStatus(
        st -> st.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC, Duration.ofSeconds(15));
  }

  @Test
  void withAManagementPortTheChangeStaysAndManagementMovesToAHostLocalClone() throws Exception {
    startAgent("--management-port", "vmk0");
    bootstrap();
    String clone = OvsBackend.cloneName(dvsId, "vmk0");

    // One change set: the management port to a VLAN the uplink does not carry, and a good change.
    long bad =
        api.commitChangeSet(
                CommitChangeSetRequest.newBuilder()
                    .setDvs("sw")
                    .setConfirmTimeoutMs(CONFIRM_MS)
                    .addOps(
                        ChangeOp.newBuilder()
                            .setUpdatePortGroup(
                                PortGroupUpdate.newBuilder()
                                    .setPortGroup("mgmt")
                                    .setSettings(
                                        PortGroup.newBuilder()
                                            .setName("mgmt")
                                            .setPolicy(vlan(200)))))
                    .addOps(
                        ChangeOp.newBuilder()
                            .setUpdatePortGroup(
                                PortGroupUpdate.newBuilder()
                                    .setPortGroup("web")
                                    .setSettings(
                                        PortGroup.newBuilder()
                                            .setName("web")
                                            .setPolicy(vlan(302)))))
                    .build())
            .getGeneration();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> agentState().getPending().getGeneration() == bad);
    PendingConfirm pending = agentState().getPending();
    assertThat(managementPathUp()).isFalse();

    await()
        .atMost(Duration.ofMillis(CONFIRM_MS + 10_000))
        .pollInterval(Duration.ofMillis(20))
        .until(this::managementPathBack);
    System.out.printf(
        "ovs-host-local: management path back on a host-local clone %d ms after the deadline%n",
        System.currentTimeMillis() - pending.getDeadlineUnixMs());
    // The agent moves the address first and records what it did after (a synced write).
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> agentState().getLastRollback().getGeneration() == bad);
    GetStateResponse kept = agentState();
    assertThat(kept.hasPending()).isFalse();
    assertThat(kept.getLastRollback().getCause())
        .as("agent log:%n%s", agent.output())
        .isEqualTo(RollbackCause.ROLLBACK_CAUSE_MANAGEMENT_ON_HOST_LOCAL);
    assertThat(kept.getHostLocalManagement()).isEqualTo("vmk0");
    assertThat(tag("vmk0")).isEqualTo("200"); // the change stayed, management port included
    assertThat(tag("vm1")).isEqualTo("302");
    assertThat(ovs.accessVlan(backend(), OvsBackend.bridgeName(dvsId), clone)).isEqualTo("100");
    assertThat(run("ip", "netns", "exec", hostNs, "ip", "-o", "-4", "addr", "show", "dev", clone))
        .contains(MGMT_IP);
    awaitStatus(
        st -> st.getState() == HostSyncState.HOST_SYNC_STATE_DEGRADED, Duration.ofSeconds(60));
    assertThat(status().getLastError()).contains("host-local clone of port vmk0", "fix that port");

    // The operator fixes the management port: the address goes back and the clone is removed.
    long fixed = changeVlan("mgmt", 100);
    awaitStatus(
        st ->
            st.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC
                && st.getAppliedGeneration() == fixed,
        Duration.ofSeconds(30));
    assertThat(ovs.vsctl("list-ports", OvsBackend.bridgeName(dvsId))).doesNotContain(clone);
    assertThat(
            run(
                "ip",
                "netns",
                "exec",
                hostNs,
                "ip",
                "-o",
                "-4",
                "addr",
                "show",
                "dev",
                OvsBackend.portName(dvsId, "vmk0")))
        .contains(MGMT_IP);
    assertThat(agentState().getHostLocalManagement()).isEmpty();
    assertThat(managementPathUp()).isTrue();
  }
}
