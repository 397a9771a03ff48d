package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitMode;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetManagerInfoRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListPortGroupsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.common.fault.FaultPoints;
import io.switchplane.manager.service.ManagerFaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two manager processes on one ZooKeeper; the leader is killed (SIGKILL) in the middle of an
 * atomic change set, at each phase. The other takes over, and every host ends as the recorded
 * decision says: aborted (previous VLAN) when no decision was stored, committed (new VLAN,
 * confirmed, and still there after the agents' deadline) when COMMITTED was stored.
 */
class FailoverIT {
  private static final int HOSTS = 3;
  private static final int CONFIRM_MS = 15_000;

  @TempDir Path dir;
  private TestingServer zk;
  private final List<HostAgent> agents = new ArrayList<>();
  private final List<ChildProcess> managers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private String dvsId;

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer(true);
    for (int i = 0; i < HOSTS; i++) {
      HostAgent agent = new HostAgent(AgentConfig.of(0, dir.resolve("agent-" + i)).withHost("", "esx" + i).withInsecurePlaintext());
      agent.start();
      agents.add(agent);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ChildProcess m : managers) {
      m.kill();
    }
    agents.forEach(HostAgent::close);
    zk.close();
  }

  private ChildProcess manager(String name, String faultPoint) throws Exception {
    ChildProcess m = ChildProcess.start(dir.resolve(name),
        faultPoint.isEmpty() ? List.of() : List.of(ManagerFaults.PROPERTY + "=" + faultPoint),
        "manager", "--listen", "127.0.0.1:0", "--zookeeper", zk.getConnectString(), "--data-dir",
        dir.resolve(name).toString(), "--id", name, "--session-timeout-ms", "3000");
    managers.add(m);
    return m;
  }

  private ManagerServiceBlockingStub api(ChildProcess m) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(m.endpoint()).usePlaintext().build();
    channels.add(ch);
    return ManagerServiceGrpc.newBlockingStub(ch);
  }

  private static Policy vlan(int id) {
    return Policy.newBuilder().setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(id))).build();
  }

  private static CommitChangeSetRequest atomicVlan(int id) {
    return CommitChangeSetRequest.newBuilder().setDvs("sw").setMode(CommitMode.COMMIT_MODE_ATOMIC)
        .setConfirmTimeoutMs(CONFIRM_MS).addOps(ChangeOp.newBuilder().setUpdatePortGroup(PortGroupUpdate.newBuilder()
            .setPortGroup("web").setSettings(PortGroup.newBuilder().setName("web").setPolicy(vlan(id))))).build();
  }

  private void awaitLeader(ManagerServiceBlockingStub api) {
    await().atMost(Duration.ofSeconds(60)).until(() -> api.getManagerInfo(GetManagerInfoRequest.getDefaultInstance())
        .getLeader());
  }

  private void awaitAllInSync(ManagerServiceBlockingStub api) {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      List<HostPushStatus> hosts = api.getPushStatus(GetPushStatusRequest.newBuilder().setDvs("sw").build())
          .getHostsList();
      return hosts.size() == HOSTS && hosts.stream().allMatch(h -> h.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC);
    });
  }

  private int agentVlan(int i) {
    return agents.get(i).pipeline().backend().ports(dvsId).get("p" + i).getPolicy().getVlan().getAccessId();
  }

  private boolean everyAgent(int vlan) {
    for (int i = 0; i < HOSTS; i++) {
      if (agentVlan(i) != vlan || agents.get(i).pipeline().pending(dvsId).isPresent()) {
        return false;
      }
    }
    return true;
  }

  @ParameterizedTest
  @ValueSource(strings = {ManagerFaults.AFTER_PREPARE, ManagerFaults.BEFORE_DECISION, ManagerFaults.AFTER_COMMIT_RECORD})
  void theNewLeaderFinishesWhatTheRecordSays(String phase) throws Exception {
    ChildProcess first = manager("m1", phase);
    ManagerServiceBlockingStub leader = api(first);
    awaitLeader(leader);
    ChildProcess second = manager("m2", "");
    ManagerServiceBlockingStub follower = api(second);

    dvsId = leader.createDvs(CreateDvsRequest.newBuilder().setName("sw").build()).getDvs().getId();
    leader.createPortGroup(CreatePortGroupRequest.newBuilder().setDvs("sw").setPortGroup(PortGroup.newBuilder()
        .setName("web").setPolicy(vlan(100))).build());
    for (int i = 0; i < HOSTS; i++) {
      leader.registerHost(RegisterHostRequest.newBuilder().setName("esx" + i).setEndpoint(agents.get(i).endpoint())
          .build());
      leader.addDvsMember(AddDvsMemberRequest.newBuilder().setDvs("sw").setMember(HostMember.newBuilder()
          .setHostId("esx" + i)).build());
      leader.createPort(CreatePortRequest.newBuilder().setDvs("sw").setPort(Port.newBuilder().setKey("p" + i)
          .setPortGroupId("web").setHostId("esx" + i)).build());
    }
    awaitAllInSync(leader);
    long before = leader.getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getGeneration();

    // The atomic change never answers: the leader stops at the fault point, and is killed there.
    ManagerServiceGrpc.newFutureStub(channels.get(0)).commitChangeSet(atomicVlan(200));
    first.awaitOutput(FaultPoints.MARKER + phase, Duration.ofSeconds(30));
    if (!phase.equals(ManagerFaults.AFTER_PREPARE)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> agents.stream()
          .allMatch(a -> a.pipeline().pending(dvsId).isPresent()));
    }
    long lastDeadline = agents.stream().mapToLong(a -> a.pipeline().pending(dvsId)
        .map(p -> p.getDeadlineUnixMs()).orElse(0L)).max().orElse(0);
    long killedAt = System.nanoTime();
    first.kill();
    managers.remove(first);

    awaitLeader(follower);
    boolean committed = phase.equals(ManagerFaults.AFTER_COMMIT_RECORD);
    int expected = committed ? 200 : 100;
    await().atMost(Duration.ofSeconds(30)).until(() -> everyAgent(expected));
    awaitAllInSync(follower);
    long settledMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    System.out.printf("failover: leader killed at %s; hosts at the decided VLAN %d %d ms later%n", phase, expected,
        settledMs);

    long now = follower.getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getGeneration();
    assertThat(now).isEqualTo(committed ? before + 1 : before + 2); // an abort restores as one more generation
    assertThat(follower.listPortGroups(ListPortGroupsRequest.newBuilder().setDvs("sw").build()).getPortGroups(0)
        .getPolicy().getVlan().getValue().getAccessId()).isEqualTo(expected);
    // Past every deadline the agents set, nothing moves: what was confirmed stays.
    long untilPastDeadlines = Math.max(0, lastDeadline + 1_000 - System.currentTimeMillis());
    await().during(Duration.ofMillis(untilPastDeadlines)).atMost(Duration.ofMillis(untilPastDeadlines + 2_000))
        .until(() -> everyAgent(expected));
  }
}
