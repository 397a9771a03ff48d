package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.DeletePortGroupRequest;
import io.switchplane.api.v1.DeletePortRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetHostDesiredStateRequest;
import io.switchplane.api.v1.GetHostDesiredStateResponse;
import io.switchplane.api.v1.GetPortGroupRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.RemoveDvsMemberRequest;
import io.switchplane.api.v1.UpdateDvsRequest;
import io.switchplane.api.v1.UpdatePortGroupRequest;
import io.switchplane.api.v1.UpdatePortRequest;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path on real parts: an embedded ZooKeeper, the manager and three agents with their own
 * RocksDB on loopback gRPC. After every change, each agent's effective ports (and what its backend
 * really has) must equal the manager's view of that host.
 */
class EndToEndIT {
  private static final int HOSTS = 3;
  @TempDir Path dir;
  private Cluster cluster;
  private String dvsId;

  @BeforeEach
  void setUp() {
    cluster = new Cluster(dir, HOSTS);
    Dvs dvs =
        cluster.api().createDvs(CreateDvsRequest.newBuilder().setName("dvs1").build()).getDvs();
    dvsId = dvs.getId();
    for (int i = 0; i < HOSTS; i++) {
      cluster
          .api()
          .addDvsMember(
              AddDvsMemberRequest.newBuilder()
                  .setDvs("dvs1")
                  .setMember(
                      HostMember.newBuilder()
                          .setHostId(Cluster.host(i))
                          .putUplinkNics("uplink1", "vmnic0"))
                  .build());
    }
    createPortGroup("web", 100, true);
    createPortGroup("db", 200, false);
    for (int i = 0; i < HOSTS; i++) {
      for (String key : List.of("web-" + i + "a", "web-" + i + "b", "db-" + i)) {
        cluster
            .api()
            .createPort(
                CreatePortRequest.newBuilder()
                    .setDvs("dvs1")
                    .setPort(
                        Port.newBuilder()
                            .setKey(key)
                            .setPortGroupId(key.startsWith("web") ? "web" : "db")
                            .setHostId(Cluster.host(i)))
                    .build());
      }
    }
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void everyAgentMatchesTheManagersViewAfterCreateUpdateAndDelete() {
    assertAgentsMatchManager(awaitInSync());
    for (int i = 0; i < HOSTS; i++) {
      assertThat(agentState(i).getBackendPortsList()).hasSize(3);
    }

    // A port-group change reaches every host and touches only that port group's ports.
    PortGroup db = portGroup("db");
    cluster
        .api()
        .updatePortGroup(
            UpdatePortGroupRequest.newBuilder()
                .setDvs("dvs1")
                .setPortGroup("db")
                .setSettings(db.toBuilder().setPolicy(vlan(300, false)))
                .build());
    assertAgentsMatchManager(awaitInSync());
    for (HostPushStatus h : status()) {
      String index = h.getHostName().substring("host-".length());
      int i = Integer.parseInt(index) - 1;
      assertThat(h.getLastSummary().getTouchedPortKeysList()).containsExactly("db-" + i);
      assertThat(h.getLastSummary().getUpdated()).isEqualTo(1);
    }
    assertThat(agentState(0).getBackendPortsList())
        .filteredOn(p -> p.getKey().equals("db-0"))
        .singleElement()
        .satisfies(p -> assertThat(p.getPolicy().getVlan().getAccessId()).isEqualTo(300));

    // A port override, then a DVS-wide default that every port inherits.
    Port web0a =
        cluster
            .api()
            .getHostDesiredState(
                GetHostDesiredStateRequest.newBuilder()
                    .setDvs("dvs1")
                    .setHost(Cluster.host(0))
                    .build())
            .getDesired()
            .getPortsList()
            .stream()
            .filter(p -> p.getKey().equals("web-0a"))
            .findFirst()
            .orElseThrow();
    cluster
        .api()
        .updatePort(
            UpdatePortRequest.newBuilder()
                .setDvs("dvs1")
                .setKey("web-0a")
                .setSettings(web0a.toBuilder().setPolicy(vlan(102, false)))
                .build());
    Dvs dvs = cluster.api().getDvs(GetDvsRequest.newBuilder().setDvs("dvs1").build()).getDvs();
    cluster
        .api()
        .updateDvs(
            UpdateDvsRequest.newBuilder()
                .setDvs("dvs1")
                .setSettings(
                    dvs.toBuilder()
                        .setDefaultPolicy(
                            Policy.newBuilder()
                                .setMtu(
                                    MtuSetting.newBuilder()
                                        .setValue(9000)
                                        .setOverrideAllowed(true))))
                .build());
    assertAgentsMatchManager(awaitInSync());
    assertThat(agentState(0).getBackendPortsList())
        .allSatisfy(p -> assertThat(p.getPolicy().getMtu()).isEqualTo(9000));

    // Deletes: a port, then a whole port group once its ports are gone, then a member host.
    cluster
        .api()
        .deletePort(DeletePortRequest.newBuilder().setDvs("dvs1").setKey("web-1b").build());
    for (int i = 0; i < HOSTS; i++) {
      cluster
          .api()
          .deletePort(DeletePortRequest.newBuilder().setDvs("dvs1").setKey("db-" + i).build());
    }
    cluster
        .api()
        .deletePortGroup(
            DeletePortGroupRequest.newBuilder().setDvs("dvs1").setPortGroup("db").build());
    for (String key : List.of("web-2a", "web-2b")) {
      cluster.api().deletePort(DeletePortRequest.newBuilder().setDvs("dvs1").setKey(key).build());
    }
    cluster
        .api()
        .removeDvsMember(
            RemoveDvsMemberRequest.newBuilder().setDvs("dvs1").setHost(Cluster.host(2)).build());
    long generation = awaitInSync();
    assertThat(status()).hasSize(2);
    assertAgentsMatchManager(generation);
    assertThat(agentState(1).getBackendPortsList())
        .extracting(p -> p.getKey())
        .containsExactly("web-1a");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> agentState(2))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(
                        e ->
                            assertThat(((StatusRuntimeException) e).getStatus().getCode())
                                .isEqualTo(Status.Code.NOT_FOUND)));
  }

  @Test
  void anAgentThatWasDownIsRetriedAndCatchesUp() {
    awaitInSync();
    cluster.stopAgent(1);
    PortGroup web = portGroup("web");
    long generation =
        cluster
            .api()
            .updatePortGroup(
                UpdatePortGroupRequest.newBuilder()
                    .setDvs("dvs1")
                    .setPortGroup("web")
                    .setSettings(web.toBuilder().setPolicy(vlan(150, true)))
                    .build())
            .getGeneration();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(status())
                    .filteredOn(h -> h.getHostName().equals(Cluster.host(1)))
                    .singleElement()
                    .satisfies(
                        h ->
                            assertThat(h.getState())
                                .isEqualTo(HostSyncState.HOST_SYNC_STATE_UNREACHABLE)));
    // The other hosts' confirms may still be on their way when host 1 is found unreachable.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(status())
                    .filteredOn(h -> !h.getHostName().equals(Cluster.host(1)))
                    .allSatisfy(
                        h ->
                            assertThat(h.getState())
                                .isEqualTo(HostSyncState.HOST_SYNC_STATE_IN_SYNC)));

    cluster.restartAgent(1);
    assertThat(awaitInSync()).isEqualTo(generation);
    assertAgentsMatchManager(generation);
  }

  @Test
  void aRejectedChangeReachesNoStoreAndNoHost() {
    long generation = awaitInSync();
    assertThatThrownBy(
            () ->
                cluster
                    .api()
                    .updatePortGroup(
                        UpdatePortGroupRequest.newBuilder()
                            .setDvs("dvs1")
                            .setPortGroup("web")
                            .setSettings(portGroup("web").toBuilder().setPolicy(vlan(4095, true)))
                            .build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("4095");
    assertThatThrownBy(
            () ->
                cluster
                    .api()
                    .createPort(
                        CreatePortRequest.newBuilder()
                            .setDvs("dvs1")
                            .setPort(
                                Port.newBuilder()
                                    .setKey("web-0a")
                                    .setPortGroupId("web")
                                    .setHostId(Cluster.host(0)))
                            .build()))
        .hasMessageContaining("ALREADY_EXISTS");

    assertThat(
            cluster
                .api()
                .getDvs(GetDvsRequest.newBuilder().setDvs("dvs1").build())
                .getDvs()
                .getGeneration())
        .isEqualTo(generation);
    assertThat(status())
        .allSatisfy(h -> assertThat(h.getDesiredGeneration()).isEqualTo(generation));
    assertAgentsMatchManager(generation);
  }

  private long awaitInSync() {
    long generation =
        cluster
            .api()
            .getDvs(GetDvsRequest.newBuilder().setDvs("dvs1").build())
            .getDvs()
            .getGeneration();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(status())
                    .isNotEmpty()
                    .allSatisfy(
                        h -> {
                          assertThat(h.getState()).isEqualTo(HostSyncState.HOST_SYNC_STATE_IN_SYNC);
                          assertThat(h.getDesiredGeneration()).isEqualTo(generation);
                        }));
    return generation;
  }

  private void assertAgentsMatchManager(long generation) {
    for (HostPushStatus h : status()) {
      int i = Integer.parseInt(h.getHostName().substring("host-".length())) - 1;
      GetHostDesiredStateResponse wanted =
          cluster
              .api()
              .getHostDesiredState(
                  GetHostDesiredStateRequest.newBuilder()
                      .setDvs("dvs1")
                      .setHost(h.getHostName())
                      .build());
      GetStateResponse actual = agentState(i);
      assertThat(actual.getEffectivePortsList())
          .as("effective ports of %s", h.getHostName())
          .containsExactlyElementsOf(wanted.getEffectivePortsList());
      assertThat(actual.getBackendPortsList())
          .as("backend ports of %s", h.getHostName())
          .containsExactlyElementsOf(wanted.getEffectivePortsList());
      assertThat(actual.getApplied().getPortsList())
          .containsExactlyElementsOf(wanted.getDesired().getPortsList());
      assertThat(actual.getApplied().getDvs().getGeneration()).isLessThanOrEqualTo(generation);
    }
  }

  private GetStateResponse agentState(int i) {
    return cluster.agent(i).getState(GetStateRequest.newBuilder().setDvsId(dvsId).build());
  }

  private List<HostPushStatus> status() {
    return cluster
        .api()
        .getPushStatus(GetPushStatusRequest.newBuilder().setDvs("dvs1").build())
        .getHostsList();
  }

  private PortGroup portGroup(String name) {
    return cluster
        .api()
        .getPortGroup(GetPortGroupRequest.newBuilder().setDvs("dvs1").setPortGroup(name).build())
        .getPortGroup();
  }

  private void createPortGroup(String name, int vlan, boolean overridable) {
    cluster
        .api()
        .createPortGroup(
            CreatePortGroupRequest.newBuilder()
                .setDvs("dvs1")
                .setPortGroup(
                    PortGroup.newBuilder().setName(name).setPolicy(vlan(vlan, overridable)))
                .build());
  }

  private static Policy vlan(int id, boolean overrideAllowed) {
    return Policy.newBuilder()
        .setVlan(
            VlanSetting.newBuilder()
                .setValue(Vlan.newBuilder().setAccessId(id))
                .setOverrideAllowed(overrideAllowed))
        .build();
  }
}
