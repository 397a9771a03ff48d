package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.AddUserRequest;
import io.switchplane.api.v1.AuditServiceGrpc;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.DeletePortGroupRequest;
import io.switchplane.api.v1.DeletePortRequest;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetPortGroupRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ListChangesRequest;
import io.switchplane.api.v1.ListNetworksRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.NetworkManagerServiceGrpc;
import io.switchplane.api.v1.NetworkManagerServiceGrpc.NetworkManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PublishNetworkRequest;
import io.switchplane.api.v1.PublishNetworkResponse;
import io.switchplane.api.v1.Role;
import io.switchplane.api.v1.UpdateNetworkRequest;
import io.switchplane.api.v1.UpdatePortGroupRequest;
import io.switchplane.api.v1.UserServiceGrpc;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.WithdrawNetworkRequest;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Networks owned by a network manager, on real parts (embedded ZooKeeper, the manager's gRPC server
 * with its token authentication, two agents with their RocksDB): network manager "nsx" publishes a
 * network under its own id; an operator attaches a port to it, which reaches the host's agent, but
 * is refused changing or deleting it, as is network manager "aci"; nsx changes it (the host
 * follows) and withdraws it once no port is attached.
 */
class OwnedNetworksIT {
  private static final String SEGMENT = UUID.randomUUID().toString();
  private static final String OWNED_BY_NSX =
      "port group 'seg' is owned by network manager 'nsx'; only it changes or withdraws it (ports"
          + " may be attached)";

  @TempDir Path dir;
  private Cluster cluster;
  private ManagedChannel channel;
  private String dvsId;
  private String operator;
  private String nsx;
  private String aci;

  @BeforeEach
  void setUp() {
    cluster = new Cluster(dir, 2);
    // While the manager is open (no users): the switch, then the users, which close it.
    dvsId =
        cluster
            .api()
            .createDvs(CreateDvsRequest.newBuilder().setName("dvs1").build())
            .getDvs()
            .getId();
    for (int i = 0; i < 2; i++) {
      cluster
          .api()
          .addDvsMember(
              AddDvsMemberRequest.newBuilder()
                  .setDvs("dvs1")
                  .setMember(HostMember.newBuilder().setHostId(Cluster.host(i)))
                  .build());
    }
    channel =
        NettyChannelBuilder.forTarget(
                cluster.manager().endpoint(), cluster.manager().operatorCredentials())
            .build();
    UserServiceGrpc.UserServiceBlockingStub users =
        UserServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    String admin = users.addUser(user("root", Role.ROLE_ADMIN)).getToken();
    UserServiceGrpc.UserServiceBlockingStub asAdmin = users.withCallCredentials(bearer(admin));
    operator = asAdmin.addUser(user("ops", Role.ROLE_OPERATOR)).getToken();
    nsx = asAdmin.addUser(user("nsx", Role.ROLE_NETWORK_MANAGER)).getToken();
    aci = asAdmin.addUser(user("aci", Role.ROLE_NETWORK_MANAGER)).getToken();
  }

  @AfterEach
  void tearDown() {
    if (channel != null) {
      channel.shutdownNow();
    }
    cluster.close();
  }

  @Test
  void aNetworkManagersNetworkTakesPortsButOnlyItsOwnerChangesIt() {
    PublishNetworkResponse published =
        netmgr(nsx)
            .publishNetwork(
                PublishNetworkRequest.newBuilder()
                    .setDvs("dvs1")
                    .setLogicalNetworkId(SEGMENT.toUpperCase(java.util.Locale.ROOT))
                    .setSettings(PortGroup.newBuilder().setName("seg").setPolicy(vlan(300)))
                    .build());
    assertThat(published.getPortGroup().getOwner()).isEqualTo("nsx");
    assertThat(published.getPortGroup().getLogicalNetworkId()).isEqualTo(SEGMENT);
    assertThat(manager(operator).getPortGroup(pg("seg")).getPortGroup().getOwner())
        .isEqualTo("nsx");

    // An operator attaches a VM's port; the host's agent gets it, in the network's VLAN.
    manager(operator)
        .createPort(
            CreatePortRequest.newBuilder()
                .setDvs("dvs1")
                .setPort(
                    Port.newBuilder()
                        .setKey("vm-1")
                        .setPortGroupId("seg")
                        .setHostId(Cluster.host(0)))
                .build());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(agentPort("vm-1"))
                  .map(p -> p.getPolicy().getVlan().getAccessId())
                  .contains(300);
              assertThat(
                      cluster
                          .agent(0)
                          .getState(GetStateRequest.newBuilder().setDvsId(dvsId).build())
                          .getRealizedLogicalNetworksList())
                  .contains(SEGMENT);
            });

    // The operator may not change nor delete the network; nor may another network manager.
    long generation = generation();
    PortGroup seg = manager(operator).getPortGroup(pg("seg")).getPortGroup();
    refusedOwned(
        OWNED_BY_NSX,
        () ->
            manager(operator)
                .updatePortGroup(
                    UpdatePortGroupRequest.newBuilder()
                        .setDvs("dvs1")
                        .setPortGroup("seg")
                        .setSettings(seg.toBuilder().setPolicy(vlan(999)))
                        .build()));
    refusedOwned(
        OWNED_BY_NSX,
        () ->
            manager(operator)
                .deletePortGroup(
                    DeletePortGroupRequest.newBuilder()
                        .setDvs("dvs1")
                        .setPortGroup("seg")
                        .build()));
    refusedOwned(
        OWNED_BY_NSX,
        () ->
            netmgr(aci)
                .updateNetwork(
                    UpdateNetworkRequest.newBuilder()
                        .setLogicalNetworkId(SEGMENT)
                        .setSettings(seg.toBuilder().setPolicy(vlan(999)))
                        .build()));
    refusedOwned(
        OWNED_BY_NSX,
        () ->
            netmgr(aci)
                .withdrawNetwork(
                    WithdrawNetworkRequest.newBuilder().setLogicalNetworkId(SEGMENT).build()));
    StatusRuntimeException taken =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                netmgr(aci)
                    .publishNetwork(
                        PublishNetworkRequest.newBuilder()
                            .setDvs("dvs1")
                            .setLogicalNetworkId(SEGMENT)
                            .setSettings(PortGroup.newBuilder().setName("seg2"))
                            .build()));
    assertThat(taken.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    StatusRuntimeException notAManager =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                netmgr(operator)
                    .withdrawNetwork(
                        WithdrawNetworkRequest.newBuilder().setLogicalNetworkId(SEGMENT).build()));
    assertThat(notAManager.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(notAManager.getStatus().getDescription())
        .isEqualTo("ops is operator; WithdrawNetwork needs network-manager");
    assertThat(generation()).as("no refusal changed anything").isEqualTo(generation);
    assertThat(manager(operator).getPortGroup(pg("seg")).getPortGroup()).isEqualTo(seg);

    // Its owner changes it; the host follows. The audit log names the owner.
    netmgr(nsx)
        .updateNetwork(
            UpdateNetworkRequest.newBuilder()
                .setLogicalNetworkId(SEGMENT)
                .setSettings(seg.toBuilder().setPolicy(vlan(301)))
                .build());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(agentPort("vm-1"))
                    .map(p -> p.getPolicy().getVlan().getAccessId())
                    .contains(301));
    ChangeRecord last =
        AuditServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(bearer(operator))
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .listChanges(ListChangesRequest.newBuilder().setDvs("dvs1").build())
            .getRecords(0);
    assertThat(last.getPrincipal()).isEqualTo("nsx");
    assertThat(last.getComment()).isEqualTo("update network " + SEGMENT);

    // Withdrawn only once no port is attached.
    StatusRuntimeException attached =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                netmgr(nsx)
                    .withdrawNetwork(
                        WithdrawNetworkRequest.newBuilder().setLogicalNetworkId(SEGMENT).build()));
    assertThat(attached.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    manager(operator)
        .deletePort(DeletePortRequest.newBuilder().setDvs("dvs1").setKey("vm-1").build());
    netmgr(nsx)
        .withdrawNetwork(WithdrawNetworkRequest.newBuilder().setLogicalNetworkId(SEGMENT).build());
    assertThat(
            netmgr(operator)
                .listNetworks(ListNetworksRequest.getDefaultInstance())
                .getNetworksList())
        .isEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(agentPort("vm-1")).isEmpty());
  }

  private static void refusedOwned(String message, ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("refused").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).isEqualTo(message);
    assertThat(StatusMapping.reason(e)).contains(ErrorReason.NETWORK_OWNED);
  }

  private Optional<EffectivePort> agentPort(String key) {
    List<EffectivePort> ports =
        cluster
            .agent(0)
            .getState(GetStateRequest.newBuilder().setDvsId(dvsId).build())
            .getBackendPortsList();
    return ports.stream().filter(p -> p.getKey().equals(key)).findFirst();
  }

  private long generation() {
    return manager(operator)
        .getDvs(GetDvsRequest.newBuilder().setDvs("dvs1").build())
        .getDvs()
        .getGeneration();
  }

  private ManagerServiceBlockingStub manager(String token) {
    return ManagerServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(bearer(token))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private NetworkManagerServiceBlockingStub netmgr(String token) {
    return NetworkManagerServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(bearer(token))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static GetPortGroupRequest pg(String name) {
    return GetPortGroupRequest.newBuilder().setDvs("dvs1").setPortGroup(name).build();
  }

  private static AddUserRequest user(String name, Role role) {
    return AddUserRequest.newBuilder().setName(name).setRole(role).build();
  }

  private static Policy vlan(int id) {
    return Policy.newBuilder()
        .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(id)))
        .build();
  }

  private static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier apply) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        apply.apply(headers);
      }
    };
  }
}
