package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.VmNic;
import io.switchplane.api.v1.VmkNic;
import io.switchplane.api.v1.VmkService;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The setup the migration ITs share: ports of one port group of one DVS, created through the
 * manager's API, and the wait until every member host has confirmed a generation.
 */
final class MigrationFixture {
  private final Supplier<ManagerServiceBlockingStub> api;
  private final String dvs;
  private final String portGroup;

  /**
   * @param api a fresh stub per call (each with its own deadline)
   * @param dvs the DVS's name
   * @param portGroup the port group every port is created in
   */
  MigrationFixture(Supplier<ManagerServiceBlockingStub> api, String dvs, String portGroup) {
    this.api = api;
    this.dvs = dvs;
    this.portGroup = portGroup;
  }

  /**
   * A VMkernel port "vmk-HOST" with the vMotion service (the precheck wants one on each host);
   * address empty: none given (allocated where the port group has an IP subnet). Returns it as
   * stored.
   */
  Port createVmotionPort(String host, String address) {
    return createVmkPort("vmk-" + host, host, portGroup, address);
  }

  /** A VMkernel port with the vMotion service in port group pg; returns it as stored. */
  Port createVmkPort(String key, String host, String pg, String address) {
    return api.get()
        .createPort(
            CreatePortRequest.newBuilder()
                .setDvs(dvs)
                .setPort(
                    Port.newBuilder()
                        .setKey(key)
                        .setPortGroupId(pg)
                        .setHostId(host)
                        .setConnectee(
                            Connectee.newBuilder()
                                .setVmkNic(
                                    VmkNic.newBuilder()
                                        .setDevice("vmk1")
                                        .addServices(VmkService.VMK_SERVICE_VMOTION)
                                        .setAddress(address))))
                .build())
        .getPort();
  }

  /** A VM NIC port on host; the DVS generation that made it. */
  long createPort(String key, String host, String vm, String mac) {
    return api.get()
        .createPort(
            CreatePortRequest.newBuilder()
                .setDvs(dvs)
                .setPort(
                    Port.newBuilder()
                        .setKey(key)
                        .setPortGroupId(portGroup)
                        .setHostId(host)
                        .setConnectee(
                            Connectee.newBuilder()
                                .setVmNic(VmNic.newBuilder().setVmUuid(vm).setMac(mac))))
                .build())
        .getGeneration();
  }

  /** Waits until all hosts (there must be that many) are IN_SYNC at generation or later. */
  void awaitInSync(long generation, int hosts) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<HostPushStatus> status =
                  api.get()
                      .getPushStatus(GetPushStatusRequest.newBuilder().setDvs(dvs).build())
                      .getHostsList();
              assertThat(status)
                  .as("push status, waiting for generation %d in sync", generation)
                  .hasSize(hosts)
                  .allMatch(
                      h ->
                          h.getState() == HostSyncState.HOST_SYNC_STATE_IN_SYNC
                              && h.getDesiredGeneration() >= generation);
            });
  }

  /** An access-VLAN policy. */
  static Policy vlan(int id) {
    return Policy.newBuilder()
        .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(id)))
        .build();
  }
}
