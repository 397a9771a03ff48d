package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.api.v1.AgentSnapshotServiceGrpc;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreateSnapshotRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListHostsRequest;
import io.switchplane.api.v1.ListPortGroupsRequest;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ListSnapshotCopiesRequest;
import io.switchplane.api.v1.ListSnapshotsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.RecoverFromAgentsRequest;
import io.switchplane.api.v1.RecoverFromAgentsResponse;
import io.switchplane.api.v1.RecoveredDvs;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.api.v1.SnapshotServiceGrpc;
import io.switchplane.api.v1.SnapshotServiceGrpc.SnapshotServiceBlockingStub;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.cli.run.TempDirs;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.snapshot.SnapshotPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery test: a manager's ZooKeeper data is deleted, a new manager on the empty
 * store rebuilds the switch from the snapshot copies its agents hold, and the rebuilt configuration
 * equals the lost one. One agent was down during the last change, so its newest copy is older:
 * recovery names it as disagreeing and still picks the newest.
 */
class RecoveryIT {
  private static final int HOSTS = 3;
  private static final SnapshotPolicy FAST_COPIES =
      new SnapshotPolicy(50, Duration.ofDays(1), Duration.ofMillis(200));

  @TempDir Path dir;
  private final List<HostAgent> agents = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private SwitchplaneManager manager;
  private ManagedChannel managerChannel;

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (manager != null) {
      manager.close();
    }
    agents.forEach(
        a -> {
          if (a != null) {
            a.close();
          }
        });
  }

  @Test
  void aManagerWithItsStoreDeletedRebuildsTheSwitchFromTheAgentsCopies() throws IOException {
    for (int i = 0; i < HOSTS; i++) {
      agents.add(startAgent(i, 0));
      ports.add(agents.get(i).port());
    }
    startManager();
    for (int i = 0; i < HOSTS; i++) {
      api()
          .registerHost(
              RegisterHostRequest.newBuilder()
                  .setName("h" + i)
                  .setEndpoint("127.0.0.1:" + ports.get(i))
                  .build());
    }
    api().createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    List<ChangeOp> setup = new ArrayList<>();
    setup.add(ChangeOp.newBuilder().setCreatePortGroup(group("web", 100)).build());
    setup.add(ChangeOp.newBuilder().setCreatePortGroup(group("db", 200)).build());
    for (int i = 0; i < HOSTS; i++) {
      setup.add(
          ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("h" + i)).build());
      setup.add(port("vm-" + i + "-a", "web", i));
      setup.add(port("vm-" + i + "-b", "db", i));
    }
    commit(setup.toArray(new ChangeOp[0]));
    snapshots()
        .createSnapshot(
            CreateSnapshotRequest.newBuilder().setDvs("sw").setName("baseline").build());
    awaitInSync();
    String dvsId = api().getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getId();
    awaitCopies(dvsId, 0, 1, 2);

    // h2 is down for the last change: its newest copy stays the older one.
    agents.get(2).close();
    long last = commit(vlan("web", 101), ChangeOp.newBuilder().setDeletePort("vm-0-b").build());
    awaitCopies(dvsId, 0, 1);
    Dvs lostDvs = api().getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs();
    List<PortGroup> lostGroups = groups();
    List<Port> lostPorts = ports();
    List<Host> lostHosts = api().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList();
    assertThat(lostDvs.getGeneration()).isEqualTo(last);

    // The store is lost.
    manager.close();
    TempDirs.deleteTree(dir.resolve("manager"));
    agents.set(2, startAgent(2, ports.get(2)));
    startManager();
    assertThat(
            api()
                .listDvs(io.switchplane.api.v1.ListDvsRequest.getDefaultInstance())
                .getSwitchesList())
        .isEmpty();

    RecoverFromAgentsResponse recovered =
        snapshots()
            .recoverFromAgents(
                RecoverFromAgentsRequest.newBuilder()
                    .addSeeds("127.0.0.1:" + ports.get(0))
                    .build());
    assertThat(recovered.getUnreachableList()).isEmpty();
    RecoveredDvs sw =
        recovered.getSwitchesList().stream()
            .filter(d -> d.getDvsId().equals(dvsId))
            .findFirst()
            .orElseThrow();
    System.out.printf(
        "recovery: DVS %s from snapshot %s (generation %d), held by %s, disagreeing %s%n",
        sw.getDvsName(),
        sw.getChosen().getName(),
        sw.getChosen().getGeneration(),
        sw.getAgreeingHostsList(),
        sw.getDisagreeingHostsList());
    assertThat(sw.getRebuilt()).isTrue();
    assertThat(sw.getChosen().getGeneration()).isEqualTo(last);
    assertThat(sw.getAgreeingHostsList()).containsExactlyInAnyOrder("h0", "h1");
    assertThat(sw.getDisagreeingHostsList()).singleElement().asString().startsWith("h2");

    Dvs rebuilt = api().getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs();
    assertThat(rebuilt.toBuilder().clearGeneration().clearGenerationBase().build())
        .isEqualTo(lostDvs.toBuilder().clearGeneration().clearGenerationBase().build());
    assertThat(rebuilt.getGeneration()).isGreaterThan(last);
    assertThat(groups()).isEqualTo(lostGroups);
    assertThat(ports()).isEqualTo(lostPorts);
    assertThat(api().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList())
        .containsExactlyInAnyOrderElementsOf(lostHosts);
    assertThat(
            snapshots()
                .listSnapshots(
                    ListSnapshotsRequest.newBuilder()
                        .setDvs("sw")
                        .setIncludeCheckpoints(true)
                        .build())
                .getSnapshotsList())
        .extracting(SnapshotInfo::getGeneration)
        .contains(last);

    // Every host takes the rebuilt switch, h2 included, and the switch takes changes again.
    awaitInSync();
    long next = commit(vlan("db", 201));
    assertThat(next).isEqualTo(rebuilt.getGeneration() + 1);
    awaitInSync();
  }

  private HostAgent startAgent(int i, int port) {
    HostAgent agent =
        new HostAgent(
            AgentConfig.of(port, dir.resolve("agent-" + i))
                .withHost("", "h" + i)
                .withInsecurePlaintext());
    try {
      agent.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return agent;
  }

  private void startManager() {
    manager =
        new SwitchplaneManager(
                ManagerConfig.local(dir.resolve("manager")).withSnapshots(FAST_COPIES))
            .start();
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    managerChannel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    channels.add(managerChannel);
  }

  private ManagerServiceBlockingStub api() {
    return ManagerServiceGrpc.newBlockingStub(managerChannel)
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private SnapshotServiceBlockingStub snapshots() {
    return SnapshotServiceGrpc.newBlockingStub(managerChannel)
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Waits until the agents hold a copy of the DVS's current generation. */
  private void awaitCopies(String dvsId, int... hosts) {
    long generation =
        api().getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getGeneration();
    for (int i : hosts) {
      ManagedChannel ch =
          NettyChannelBuilder.forTarget("127.0.0.1:" + ports.get(i)).usePlaintext().build();
      channels.add(ch);
      var stub = AgentSnapshotServiceGrpc.newBlockingStub(ch);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  stub
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .listSnapshotCopies(
                          ListSnapshotCopiesRequest.newBuilder().setDvsId(dvsId).build())
                      .getSnapshotsList()
                      .stream()
                      .anyMatch(s -> s.getGeneration() == generation));
    }
  }

  private void awaitInSync() {
    await()
        .atMost(Duration.ofSeconds(60))
        .alias("all hosts in sync")
        .until(
            () -> {
              List<HostPushStatus> st =
                  api()
                      .getPushStatus(GetPushStatusRequest.newBuilder().setDvs("sw").build())
                      .getHostsList();
              // In sync: a host a change set did not touch keeps its applied generation.
              return st.size() == HOSTS
                  && st.stream()
                      .allMatch(h -> h.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC);
            });
  }

  private long commit(ChangeOp... ops) {
    return api()
        .commitChangeSet(
            CommitChangeSetRequest.newBuilder().setDvs("sw").addAllOps(List.of(ops)).build())
        .getGeneration();
  }

  private List<PortGroup> groups() {
    return api()
        .listPortGroups(ListPortGroupsRequest.newBuilder().setDvs("sw").build())
        .getPortGroupsList()
        .stream()
        .sorted(Comparator.comparing(PortGroup::getId))
        .toList();
  }

  private List<Port> ports() {
    return api().listPorts(ListPortsRequest.newBuilder().setDvs("sw").build()).getPortsList();
  }

  private static PortGroup group(String name, int vid) {
    return PortGroup.newBuilder()
        .setName(name)
        .setPolicy(
            Policy.newBuilder()
                .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(vid))))
        .build();
  }

  private static ChangeOp vlan(String group, int vid) {
    return ChangeOp.newBuilder()
        .setUpdatePortGroup(
            PortGroupUpdate.newBuilder().setPortGroup(group).setSettings(group(group, vid)))
        .build();
  }

  private static ChangeOp port(String key, String group, int host) {
    return ChangeOp.newBuilder()
        .setCreatePort(Port.newBuilder().setKey(key).setPortGroupId(group).setHostId("h" + host))
        .build();
  }
}
