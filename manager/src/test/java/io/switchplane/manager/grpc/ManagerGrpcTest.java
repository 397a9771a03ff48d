package io.switchplane.manager.grpc;

import static io.switchplane.manager.ManagerFixtures.status;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.DeleteDvsRequest;
import io.switchplane.api.v1.DeletePortGroupRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetHostDesiredStateRequest;
import io.switchplane.api.v1.GetHostDesiredStateResponse;
import io.switchplane.api.v1.GetManagerInfoRequest;
import io.switchplane.api.v1.GetManagerInfoResponse;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ListDvsRequest;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RemoveHostRequest;
import io.switchplane.api.v1.RollbackHostRequest;
import io.switchplane.api.v1.UpdateDvsRequest;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.reconcile.FakeAgent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator API through a real loopback socket, on a manager with its embedded ZooKeeper. */
class ManagerGrpcTest {
  private static final Duration LEADERSHIP = Duration.ofSeconds(30);

  @TempDir Path dataDir;

  private SwitchplaneManager manager;
  private ManagedChannel channel;
  private ManagerServiceGrpc.ManagerServiceBlockingStub api;

  @BeforeEach
  void start() {
    manager = new SwitchplaneManager(ManagerConfig.local(dataDir)).start();
    assertThat(manager.awaitLeadership(LEADERSHIP)).isTrue();
    connect(manager);
  }

  private void connect(SwitchplaneManager m) {
    channel = NettyChannelBuilder.forTarget(m.endpoint(), m.operatorCredentials()).build();
    api = ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    manager.close();
  }

  private long generation(String dvs) {
    return api.getDvs(GetDvsRequest.newBuilder().setDvs(dvs).build()).getDvs().getGeneration();
  }

  @Test
  void createListUpdateDeleteAndRefusalsThatChangeNothing() {
    Dvs dvs = api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build()).getDvs();
    assertThat(dvs.getGeneration()).isEqualTo(1);
    assertThat(dvs.getUplinksList()).containsExactly("uplink1", "uplink2");
    assertThat(dvs.getMtu()).isEqualTo(1500);
    assertThat(api.listDvs(ListDvsRequest.getDefaultInstance()).getSwitchesList())
        .extracting(Dvs::getName)
        .containsExactly("sw");

    Dvs updated =
        api.updateDvs(
                UpdateDvsRequest.newBuilder()
                    .setDvs("sw")
                    .setSettings(dvs.toBuilder().setMtu(9000))
                    .setExpectedGeneration(1)
                    .build())
            .getDvs();
    assertThat(updated.getGeneration()).isEqualTo(2);
    assertThat(updated.getMtu()).isEqualTo(9000);

    Status badVlan =
        status(
            Status.Code.INVALID_ARGUMENT,
            () ->
                api.createPortGroup(
                    CreatePortGroupRequest.newBuilder()
                        .setDvs("sw")
                        .setPortGroup(
                            PortGroup.newBuilder().setName("web").setPolicy(vlan(5000, false)))
                        .build()));
    assertThat(badVlan.getDescription()).contains("VLAN 5000 is outside 1-4094");
    assertThat(
            status(
                    Status.Code.ALREADY_EXISTS,
                    () -> api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build()))
                .getDescription())
        .isEqualTo("a DVS named 'sw' exists already");
    assertThat(
            status(
                    Status.Code.INVALID_ARGUMENT,
                    () -> api.createDvs(CreateDvsRequest.getDefaultInstance()))
                .getDescription())
        .isEqualTo("name is required");
    assertThat(
            status(
                    Status.Code.ABORTED,
                    () ->
                        api.updateDvs(
                            UpdateDvsRequest.newBuilder()
                                .setDvs("sw")
                                .setSettings(updated.toBuilder().setMtu(1500))
                                .setExpectedGeneration(1)
                                .build()))
                .getDescription())
        .contains("at generation 2, not the expected 1");
    assertThat(
            status(
                    Status.Code.INVALID_ARGUMENT,
                    () -> api.updateDvs(UpdateDvsRequest.newBuilder().setDvs("sw").build()))
                .getDescription())
        .isEqualTo("settings is required");
    assertThat(
            status(
                    Status.Code.NOT_FOUND,
                    () -> api.getDvs(GetDvsRequest.newBuilder().setDvs("nope").build()))
                .getDescription())
        .isEqualTo("DVS 'nope' not found");
    // Quoted whole, a 20,000-character reference made the reply's header too large: INTERNAL
    // (RST_STREAM).
    assertThat(
            status(
                    Status.Code.NOT_FOUND,
                    () -> api.getDvs(GetDvsRequest.newBuilder().setDvs("n".repeat(1000)).build()))
                .getDescription())
        .startsWith("DVS 'nnn")
        .hasSizeLessThanOrEqualTo(1024);
    assertThat(
            status(
                    Status.Code.INVALID_ARGUMENT,
                    () -> api.getDvs(GetDvsRequest.newBuilder().setDvs("n".repeat(20_000)).build()))
                .getDescription())
        .isEqualTo("dvs has 20000 characters, the limit is 1024");
    // Over ZooKeeper's packet limit as a path, a 2 MiB reference dropped the manager's session:
    // UNAVAILABLE after 10 s.
    assertThat(
            status(
                    Status.Code.INVALID_ARGUMENT,
                    () ->
                        api.withDeadlineAfter(2, TimeUnit.SECONDS)
                            .removeHost(
                                RemoveHostRequest.newBuilder()
                                    .setHost("h".repeat(2 << 20))
                                    .build()))
                .getDescription())
        .isEqualTo("host has 2097152 characters, the limit is 1024");
    assertThat(generation("sw")).isEqualTo(2);

    api.deleteDvs(DeleteDvsRequest.newBuilder().setDvs("sw").setExpectedGeneration(2).build());
    assertThat(api.listDvs(ListDvsRequest.getDefaultInstance()).getSwitchesList()).isEmpty();
  }

  @Test
  void portsOnHostsAndTheDesiredStateOfAHost() {
    Host host =
        api.registerHost(
                RegisterHostRequest.newBuilder().setName("esx1").setEndpoint("127.0.0.1:1").build())
            .getHost();
    api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    api.addDvsMember(
        AddDvsMemberRequest.newBuilder()
            .setDvs("sw")
            .setMember(HostMember.newBuilder().setHostId("esx1").putUplinkNics("uplink1", "eth0"))
            .build());
    PortGroup web =
        api.createPortGroup(
                CreatePortGroupRequest.newBuilder()
                    .setDvs("sw")
                    .setPortGroup(PortGroup.newBuilder().setName("web").setPolicy(vlan(100, true)))
                    .build())
            .getPortGroup();
    CommitChangeSetResponse commit =
        api.commitChangeSet(
            CommitChangeSetRequest.newBuilder()
                .setDvs("sw")
                .addOps(
                    ChangeOp.newBuilder()
                        .setCreatePort(
                            Port.newBuilder()
                                .setKey("b")
                                .setPortGroupId("web")
                                .setHostId("esx1")
                                .setPolicy(vlan(200, false))))
                .addOps(
                    ChangeOp.newBuilder()
                        .setCreatePort(
                            Port.newBuilder()
                                .setKey("a")
                                .setPortGroupId(web.getId())
                                .setHostId(host.getId())))
                .setExpectedGeneration(3)
                .setDescription("two ports")
                .build());
    assertThat(commit.getGeneration()).isEqualTo(4);
    assertThat(commit.getHostsAffected()).isEqualTo(1);

    assertThat(
            api.listPorts(ListPortsRequest.newBuilder().setDvs("sw").setHost("esx1").build())
                .getPortsList())
        .extracting(Port::getKey)
        .containsExactly("a", "b");
    GetHostDesiredStateResponse desired =
        api.getHostDesiredState(
            GetHostDesiredStateRequest.newBuilder().setDvs("sw").setHost("esx1").build());
    assertThat(desired.getDesired().getMember()).isTrue();
    assertThat(desired.getDesired().getDvs().getGeneration()).isEqualTo(4);
    assertThat(desired.getEffectivePortsList())
        .extracting(EffectivePort::getKey)
        .containsExactly("a", "b");
    assertThat(desired.getEffectivePorts(0).getPolicy().getVlan().getAccessId()).isEqualTo(100);
    assertThat(desired.getEffectivePorts(1).getPolicy().getVlan().getAccessId()).isEqualTo(200);

    assertThat(
            status(
                    Status.Code.FAILED_PRECONDITION,
                    () -> api.removeHost(RemoveHostRequest.newBuilder().setHost("esx1").build()))
                .getDescription())
        .contains("member of DVS sw");
    assertThat(
            status(
                    Status.Code.FAILED_PRECONDITION,
                    () ->
                        api.deletePortGroup(
                            DeletePortGroupRequest.newBuilder()
                                .setDvs("sw")
                                .setPortGroup("web")
                                .build()))
                .getDescription())
        .contains("used by 2 port(s) (a, b)");
    assertThat(
            status(
                    Status.Code.FAILED_PRECONDITION,
                    () -> api.deleteDvs(DeleteDvsRequest.newBuilder().setDvs("sw").build()))
                .getDescription())
        .contains("still has 2 port(s)");
    assertThat(
            status(
                    Status.Code.INVALID_ARGUMENT,
                    () ->
                        api.commitChangeSet(
                            CommitChangeSetRequest.newBuilder()
                                .setDvs("sw")
                                .addOps(ChangeOp.getDefaultInstance())
                                .build()))
                .getDescription())
        .contains("empty operation");
    assertThat(
            status(
                    Status.Code.NOT_FOUND,
                    () ->
                        api.listPorts(
                            ListPortsRequest.newBuilder()
                                .setDvs("sw")
                                .setPortGroup("nope")
                                .build()))
                .getDescription())
        .isEqualTo("port group 'nope' not found in DVS 'sw'");
    assertThat(
            status(
                    Status.Code.INVALID_ARGUMENT,
                    () ->
                        api.rollbackHost(
                            RollbackHostRequest.newBuilder().setDvs("sw").setHost("esx1").build()))
                .getDescription())
        .isEqualTo("to_generation is required");
    api.registerHost(
        RegisterHostRequest.newBuilder().setName("esx2").setEndpoint("127.0.0.1:1").build());
    assertThat(
            status(
                    Status.Code.FAILED_PRECONDITION,
                    () ->
                        api.getHostDesiredState(
                            GetHostDesiredStateRequest.newBuilder()
                                .setDvs("sw")
                                .setHost("esx2")
                                .build()))
                .getDescription())
        .isEqualTo("host 'esx2' is not a member of DVS 'sw'");
    assertThat(generation("sw")).isEqualTo(4);

    GetManagerInfoResponse info = api.getManagerInfo(GetManagerInfoRequest.getDefaultInstance());
    assertThat(info.getLeader()).isTrue();
    assertThat(info.getManagerId()).isEqualTo(manager.endpoint()).isEqualTo(info.getLeaderId());
    assertThat(info.getZookeeper()).startsWith("127.0.0.1:");
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(
                    HealthCheckRequest.newBuilder()
                        .setService(ManagerServiceGrpc.SERVICE_NAME)
                        .build())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void commitsReachTheAgentThroughTheLeadersPushEngine() throws Exception {
    try (FakeAgent agent = FakeAgent.start(0)) {
      Host host =
          api.registerHost(
                  RegisterHostRequest.newBuilder()
                      .setName("esx1")
                      .setEndpoint(agent.endpoint())
                      .build())
              .getHost();
      String dvsId =
          api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build()).getDvs().getId();
      api.addDvsMember(
          AddDvsMemberRequest.newBuilder()
              .setDvs("sw")
              .setMember(HostMember.newBuilder().setHostId("esx1"))
              .build());
      api.createPortGroup(
          CreatePortGroupRequest.newBuilder()
              .setDvs("sw")
              .setPortGroup(PortGroup.newBuilder().setName("web").setPolicy(vlan(100, false)))
              .build());
      long generation =
          api.createPort(
                  CreatePortRequest.newBuilder()
                      .setDvs("sw")
                      .setPort(
                          Port.newBuilder()
                              .setKey("vm1-nic0")
                              .setPortGroupId("web")
                              .setHostId("esx1"))
                      .build())
              .getGeneration();

      manager.pushEngine().whenInSync(dvsId, generation).get(30, TimeUnit.SECONDS);

      assertThat(agent.state(host.getId(), dvsId).getPortsList())
          .extracting(Port::getKey)
          .containsExactly("vm1-nic0");
      assertThat(
              api.getPushStatus(GetPushStatusRequest.newBuilder().setDvs("sw").build())
                  .getHostsList())
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getHostName()).isEqualTo("esx1");
                assertThat(s.getState()).isEqualTo(HostSyncState.HOST_SYNC_STATE_IN_SYNC);
                assertThat(s.getAppliedGeneration()).isEqualTo(generation);
              });
    }
  }

  @Test
  void embeddedZooKeeperKeepsTheDataOnDiskAcrossRestarts() throws InterruptedException {
    api.createDvs(CreateDvsRequest.newBuilder().setName("kept").build());
    stop();

    manager = new SwitchplaneManager(ManagerConfig.local(dataDir)).start();
    assertThat(manager.awaitLeadership(LEADERSHIP)).isTrue();
    connect(manager);
    assertThat(api.listDvs(ListDvsRequest.getDefaultInstance()).getSwitchesList())
        .extracting(Dvs::getName)
        .containsExactly("kept");
  }

  /** Without leadership per DVS (--no-dvs-ownership) one leader writes every DVS. */
  @Test
  void followerServesReadsNamesTheLeaderOnWritesAndTakesOver() throws Exception {
    try (TestingServer zk = new TestingServer(true);
        SwitchplaneManager first =
            new SwitchplaneManager(
                    ManagerConfig.local(dataDir.resolve("a"))
                        .withZookeeper(zk.getConnectString())
                        .withDvsOwnership(false))
                .start()) {
      assertThat(first.awaitLeadership(LEADERSHIP)).isTrue();
      // Every manager of a cluster holds the same key file: the second signs its certificate with
      // the first's CA.
      java.nio.file.Files.createDirectories(dataDir.resolve("b"));
      java.nio.file.Files.copy(
          dataDir.resolve("a").resolve("vcenter-secret.key"),
          dataDir.resolve("b").resolve("vcenter-secret.key"));
      try (SwitchplaneManager second =
          new SwitchplaneManager(
                  ManagerConfig.local(dataDir.resolve("b"))
                      .withZookeeper(zk.getConnectString())
                      .withDvsOwnership(false))
              .start()) {
        channel.shutdownNow();
        connect(first);
        api.createDvs(CreateDvsRequest.newBuilder().setName("shared").build());
        channel.shutdownNow();
        connect(second);

        assertThat(generation("shared")).isEqualTo(1);
        assertThat(
                status(
                        Status.Code.UNAVAILABLE,
                        () -> api.createDvs(CreateDvsRequest.newBuilder().setName("other").build()))
                    .getDescription())
            .isEqualTo("not the leader; the leader is " + first.id());
        GetManagerInfoResponse info =
            api.getManagerInfo(GetManagerInfoRequest.getDefaultInstance());
        assertThat(info.getLeader()).isFalse();
        assertThat(info.getLeaderId()).isEqualTo(first.id());

        // The leader goes away: the follower takes over, loading the state from ZooKeeper.
        first.close();
        assertThat(second.awaitLeadership(LEADERSHIP)).isTrue();
        api.createDvs(CreateDvsRequest.newBuilder().setName("other").build());
        assertThat(api.listDvs(ListDvsRequest.getDefaultInstance()).getSwitchesList())
            .extracting(Dvs::getName)
            .containsExactly("other", "shared");
      }
    }
  }
}
