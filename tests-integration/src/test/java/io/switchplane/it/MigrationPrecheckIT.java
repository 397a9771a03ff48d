package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.DeletePortRequest;
import io.switchplane.api.v1.GetPortGroupRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.MigrationServiceGrpc;
import io.switchplane.api.v1.MigrationServiceGrpc.MigrationServiceBlockingStub;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PrecheckCondition;
import io.switchplane.api.v1.PrecheckFailure;
import io.switchplane.api.v1.PrecheckRequest;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.api.v1.UpdatePortGroupRequest;
import io.switchplane.api.v1.UpdatePortRequest;
import io.switchplane.api.v1.VmNic;
import io.switchplane.api.v1.VmkNic;
import io.switchplane.api.v1.VmkService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * `migrate precheck` against a real manager and three agents: each failed condition alone, made by
 * a real change and undone after, and the passing precheck; the realized networks are what the
 * agents answered in their applies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrationPrecheckIT {
  private static final String VM = "4210c0de-0000-4000-8000-000000000001";
  @TempDir static Path dir;
  private Cluster cluster;

  @BeforeAll
  void setUp() {
    cluster = new Cluster(dir, 3);
    cluster.api().createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    for (int i = 0; i < 2; i++) {
      cluster
          .api()
          .addDvsMember(
              AddDvsMemberRequest.newBuilder()
                  .setDvs("sw")
                  .setMember(HostMember.newBuilder().setHostId(Cluster.host(i)))
                  .build());
    }
    for (String name : List.of("web", "vmotion")) {
      cluster
          .api()
          .createPortGroup(
              CreatePortGroupRequest.newBuilder()
                  .setDvs("sw")
                  .setPortGroup(
                      PortGroup.newBuilder()
                          .setName(name)
                          .setBinding(PortBinding.PORT_BINDING_EPHEMERAL))
                  .build());
    }
    createPort(vmNic("vm-a", VM, Cluster.host(0)));
    createPort(vmNic("vm-other", "4210c0de-0000-4000-8000-000000000002", Cluster.host(1)));
    createPort(vmk("vmk-1", Cluster.host(0), "192.168.50.11/24", VmkService.VMK_SERVICE_VMOTION));
    createPort(vmk("vmk-2", Cluster.host(1), "192.168.50.12/24", VmkService.VMK_SERVICE_VMOTION));
    awaitInSync();
  }

  @AfterAll
  void tearDown() {
    cluster.close();
  }

  @Test
  void aMoveMeetingEveryConditionPassesAndTheDestinationReportsTheNetworkById() {
    String web = webGroup().getLogicalNetworkId();
    assertThat(status(Cluster.host(1)).getRealizedLogicalNetworksList()).contains(web);

    PrecheckResponse r = precheck(Cluster.host(1));
    assertThat(r.getFailuresList()).isEmpty();
    assertThat(r.getOk()).isTrue();
    assertThat(r.getPortKeysList()).containsExactly("vm-a");
  }

  @Test
  void eachFailedConditionAlone() {
    // The destination does not realize the network once its only port there is gone.
    Port other = port("vm-other");
    cluster
        .api()
        .deletePort(DeletePortRequest.newBuilder().setDvs("sw").setKey("vm-other").build());
    awaitInSync();
    assertOnly(Cluster.host(1), PrecheckCondition.PRECHECK_CONDITION_NETWORK_NOT_REALIZED);
    createPort(other);
    awaitInSync();

    updateVmk("vmk-2", "192.168.50.12/24", VmkService.VMK_SERVICE_MANAGEMENT);
    assertOnly(Cluster.host(1), PrecheckCondition.PRECHECK_CONDITION_DESTINATION_NO_VMOTION_PORT);
    updateVmk("vmk-2", "192.168.51.12/24", VmkService.VMK_SERVICE_VMOTION);
    assertOnly(Cluster.host(1), PrecheckCondition.PRECHECK_CONDITION_VMOTION_SUBNETS_DIFFER);
    updateVmk("vmk-2", "192.168.50.12/24", VmkService.VMK_SERVICE_VMOTION);
    updateVmk("vmk-1", "", VmkService.VMK_SERVICE_VMOTION);
    assertOnly(Cluster.host(1), PrecheckCondition.PRECHECK_CONDITION_SOURCE_NO_VMOTION_PORT);
    updateVmk("vmk-1", "192.168.50.11/24", VmkService.VMK_SERVICE_VMOTION);

    updateWeb(PortGroup.newBuilder().setAllowMoves(false).build(), "allow_moves");
    assertOnly(Cluster.host(1), PrecheckCondition.PRECHECK_CONDITION_MOVES_NOT_ALLOWED);
    updateWeb(PortGroup.newBuilder().setAllowMoves(true).build(), "allow_moves");

    updateWeb(
        PortGroup.newBuilder().setBinding(PortBinding.PORT_BINDING_STATIC).setNumPorts(2).build(),
        "binding",
        "num_ports");
    assertOnly(Cluster.host(1), PrecheckCondition.PRECHECK_CONDITION_NO_CAPACITY);
    updateWeb(
        PortGroup.newBuilder().setBinding(PortBinding.PORT_BINDING_EPHEMERAL).build(),
        "binding",
        "num_ports");

    // host-3 is registered but not a member of the DVS, so it has no vMotion port there either.
    PrecheckResponse outsider = precheck(Cluster.host(2));
    assertThat(outsider.getFailuresList())
        .as(outsider.toString())
        .extracting(PrecheckFailure::getCondition)
        .containsExactly(
            PrecheckCondition.PRECHECK_CONDITION_DESTINATION_NO_VMOTION_PORT,
            PrecheckCondition.PRECHECK_CONDITION_DESTINATION_NOT_MEMBER);
    assertThat(precheck(Cluster.host(1)).getOk()).as("every change undone").isTrue();
  }

  @Test
  void anUnknownVmOrHostIsNotFound() {
    for (PrecheckRequest r :
        List.of(
            PrecheckRequest.newBuilder().setVm("no-such-vm").setToHost(Cluster.host(1)).build(),
            PrecheckRequest.newBuilder().setVm(VM).setToHost("no-such-host").build())) {
      StatusRuntimeException e =
          catchThrowableOfType(StatusRuntimeException.class, () -> migration().precheck(r));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }
  }

  private void assertOnly(String to, PrecheckCondition condition) {
    PrecheckResponse r = precheck(to);
    assertThat(r.getOk()).isFalse();
    assertThat(r.getFailuresList())
        .as(r.toString())
        .extracting(PrecheckFailure::getCondition)
        .containsOnly(condition);
  }

  private PrecheckResponse precheck(String to) {
    return migration().precheck(PrecheckRequest.newBuilder().setVm(VM).setToHost(to).build());
  }

  private MigrationServiceBlockingStub migration() {
    return MigrationServiceGrpc.newBlockingStub(cluster.channel())
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private PortGroup webGroup() {
    return cluster
        .api()
        .getPortGroup(GetPortGroupRequest.newBuilder().setDvs("sw").setPortGroup("web").build())
        .getPortGroup();
  }

  private Port port(String key) {
    return cluster
        .api()
        .listPorts(io.switchplane.api.v1.ListPortsRequest.newBuilder().setDvs("sw").build())
        .getPortsList()
        .stream()
        .filter(p -> p.getKey().equals(key))
        .findFirst()
        .orElseThrow();
  }

  private void updateWeb(PortGroup settings, String... paths) {
    cluster
        .api()
        .updatePortGroup(
            UpdatePortGroupRequest.newBuilder()
                .setDvs("sw")
                .setPortGroup("web")
                .setSettings(settings)
                .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths)))
                .build());
  }

  private void updateVmk(String key, String address, VmkService service) {
    Port p = port(key);
    cluster
        .api()
        .updatePort(
            UpdatePortRequest.newBuilder()
                .setDvs("sw")
                .setKey(key)
                .setSettings(vmk(key, p.getHostId(), address, service))
                .setUpdateMask(FieldMask.newBuilder().addPaths("connectee"))
                .build());
  }

  private void createPort(Port p) {
    cluster.api().createPort(CreatePortRequest.newBuilder().setDvs("sw").setPort(p).build());
  }

  private static Port vmNic(String key, String vm, String host) {
    return Port.newBuilder()
        .setKey(key)
        .setPortGroupId("web")
        .setHostId(host)
        .setConnectee(
            Connectee.newBuilder()
                .setVmNic(
                    VmNic.newBuilder().setVmUuid(vm).setMac("00:50:56:aa:00:0" + key.length())))
        .build();
  }

  private static Port vmk(String key, String host, String address, VmkService service) {
    return Port.newBuilder()
        .setKey(key)
        .setPortGroupId("vmotion")
        .setHostId(host)
        .setConnectee(
            Connectee.newBuilder()
                .setVmkNic(
                    VmkNic.newBuilder().setDevice("vmk1").addServices(service).setAddress(address)))
        .build();
  }

  private HostPushStatus status(String host) {
    return cluster
        .api()
        .getPushStatus(GetPushStatusRequest.newBuilder().setDvs("sw").build())
        .getHostsList()
        .stream()
        .filter(h -> h.getHostName().equals(host))
        .findFirst()
        .orElseThrow();
  }

  private void awaitInSync() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        cluster
                            .api()
                            .getPushStatus(GetPushStatusRequest.newBuilder().setDvs("sw").build())
                            .getHostsList())
                    .hasSize(2)
                    .allSatisfy(
                        h ->
                            assertThat(h.getState())
                                .isEqualTo(HostSyncState.HOST_SYNC_STATE_IN_SYNC)));
  }
}
