package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.AddressSource;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreateSubnetRequest;
import io.switchplane.api.v1.DeletePortRequest;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.IpamServiceGrpc;
import io.switchplane.api.v1.IpamServiceGrpc.IpamServiceBlockingStub;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.ListNicRecordsRequest;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.MigrateRequest;
import io.switchplane.api.v1.MigrateResponse;
import io.switchplane.api.v1.MigrationOutcome;
import io.switchplane.api.v1.MigrationServiceGrpc;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PrecheckCondition;
import io.switchplane.api.v1.PrecheckFailure;
import io.switchplane.api.v1.PrecheckRequest;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.ReleaseAddressRequest;
import io.switchplane.api.v1.Subnet;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * VMkernel port addresses from the IP subnets, and the migration precheck on any manager: a leader
 * ("a") and a standby ("b") on one real ZooKeeper, two real agents (RocksDB, loopback gRPC). A
 * VMkernel port created without an address on a port group with a subnet gets one, recorded as a
 * NIC record in the same transaction and released with the port; every bad address is refused with
 * its typed reason and changes nothing; the standby answers Precheck with the realized networks the
 * leader stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmkAddressIT {
  private static final String VM = "4210dddd-0000-4000-8000-000000000001";

  @TempDir static Path dir;
  private TestingServer zk;
  private final List<HostAgent> agents = new ArrayList<>();
  private LeaderAndStandby managers;
  private String dvsId;
  private Subnet vmotionNet;
  private final MigrationFixture fixture = new MigrationFixture(this::api, "sw", "web");

  @BeforeAll
  void setUp() throws Exception {
    zk = new TestingServer(true);
    for (int i = 1; i <= 2; i++) {
      HostAgent a =
          new HostAgent(
              AgentConfig.of(0, dir.resolve("agent-" + i))
                  .withHost("", "esx" + i)
                  .withInsecurePlaintext());
      a.start();
      agents.add(a);
    }
    managers =
        LeaderAndStandby.start(
            dir,
            zk.getConnectString(),
            // One leader for every DVS, so that the standby answers Precheck itself from the
            // stored realized networks (with owners it names the owner).
            c -> c.withDvsOwnership(false));

    dvsId = api().createDvs(CreateDvsRequest.newBuilder().setName("sw").build()).getDvs().getId();
    for (String pg : List.of("web", "vmotion", "plain", "vmotion-b")) {
      api()
          .createPortGroup(
              CreatePortGroupRequest.newBuilder()
                  .setDvs("sw")
                  .setPortGroup(PortGroup.newBuilder().setName(pg))
                  .build());
    }
    for (int i = 1; i <= 2; i++) {
      api()
          .registerHost(
              RegisterHostRequest.newBuilder()
                  .setName("esx" + i)
                  .setEndpoint("127.0.0.1:" + agents.get(i - 1).port())
                  .build());
      api()
          .addDvsMember(
              AddDvsMemberRequest.newBuilder()
                  .setDvs("sw")
                  .setMember(HostMember.newBuilder().setHostId("esx" + i))
                  .build());
    }
    vmotionNet =
        ipam(0)
            .createSubnet(
                CreateSubnetRequest.newBuilder()
                    .setSubnet(
                        Subnet.newBuilder()
                            .setName("vmotion-net")
                            .setCidr("192.168.60.0/24")
                            .setGateway("192.168.60.1")
                            .setNetwork(net("vmotion")))
                    .build())
            .getSubnet();
    fixture.createPort("vm-a", "esx1", VM, "00:50:56:dd:00:01");
    fixture.createPort(
        "vm-other", "esx2", "4210dddd-0000-4000-8000-000000000002", "00:50:56:dd:00:02");
  }

  @AfterAll
  void tearDown() throws Exception {
    if (managers != null) {
      managers.close();
    }
    agents.forEach(HostAgent::close);
    zk.close();
  }

  @Test
  void aVmkernelPortWithoutAddressGetsOneFromTheSubnetAndGivesItBackWhenDeleted() {
    Port created = vmk("vmk-alloc", "esx1", "vmotion", "");
    String address = created.getConnectee().getVmkNic().getAddress();
    assertThat(address).startsWith("192.168.60.").endsWith("/24").isNotEqualTo("192.168.60.1/24");
    assertThat(stored("vmk-alloc").getConnectee().getVmkNic().getAddress()).isEqualTo(address);

    // Recorded like a VM NIC's address, and visible on the standby (it is in ZooKeeper).
    NicRecord r = record(1, ip(address)).orElseThrow();
    assertThat(r.getVmkPortKey()).isEqualTo("vmk-alloc");
    assertThat(r.getNetwork().getDvs()).isEqualTo(dvsId);
    assertThat(r.getSource()).isEqualTo(AddressSource.ADDRESS_SOURCE_ALLOCATED);

    // A second port gets another address; a given one is recorded as fixed.
    String second =
        vmk("vmk-alloc-2", "esx2", "vmotion", "").getConnectee().getVmkNic().getAddress();
    assertThat(second).isNotEqualTo(address);
    vmk("vmk-fixed", "esx2", "vmotion", "192.168.60.200/24");
    assertThat(record(0, "192.168.60.200").orElseThrow().getSource())
        .isEqualTo(AddressSource.ADDRESS_SOURCE_FIXED);

    // The port holds it: it is not released on its own.
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                ipam(0)
                    .releaseAddress(
                        ReleaseAddressRequest.newBuilder()
                            .setSubnet("vmotion-net")
                            .setAddress(ip(address))
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(StatusMapping.reason(e)).contains(ErrorReason.VMK_ADDRESS_HELD_BY_PORT);

    for (String k : List.of("vmk-alloc", "vmk-alloc-2", "vmk-fixed")) {
      api().deletePort(DeletePortRequest.newBuilder().setDvs("sw").setKey(k).build());
    }
    assertThat(record(0, ip(address))).isEmpty();
    assertThat(record(0, ip(second))).isEmpty();
    assertThat(record(0, "192.168.60.200")).isEmpty();
  }

  @Test
  void everyBadAddressIsRefusedWithItsReasonAndChangesNothing() {
    vmk("vmk-holder", "esx1", "vmotion", "192.168.60.50/24");
    long generation = generation();
    int records = records().size();

    refused(
        "192.168.61.5/24", Status.Code.FAILED_PRECONDITION, ErrorReason.VMK_ADDRESS_OUTSIDE_SUBNET);
    refused(
        "192.168.60.1/24", Status.Code.FAILED_PRECONDITION, ErrorReason.VMK_ADDRESS_OUTSIDE_SUBNET);
    refused(
        "192.168.60.7/16", Status.Code.INVALID_ARGUMENT, ErrorReason.VMK_ADDRESS_PREFIX_MISMATCH);
    refused("192.168.60.50/24", Status.Code.ALREADY_EXISTS, ErrorReason.VMK_ADDRESS_TAKEN);

    assertThat(generation()).as("no change set was stored").isEqualTo(generation);
    assertThat(records()).hasSize(records);
    assertThat(ports()).noneMatch(p -> p.getKey().equals("vmk-bad"));
    api().deletePort(DeletePortRequest.newBuilder().setDvs("sw").setKey("vmk-holder").build());
  }

  @Test
  void aPortGroupWithoutSubnetKeepsTheAddressOptional() {
    assertThat(vmk("vmk-plain", "esx1", "plain", "").getConnectee().getVmkNic().getAddress())
        .isEmpty();
    assertThat(
            vmk("vmk-plain-2", "esx1", "plain", "10.9.9.9/8")
                .getConnectee()
                .getVmkNic()
                .getAddress())
        .isEqualTo("10.9.9.9/8");
    for (String k : List.of("vmk-plain", "vmk-plain-2")) {
      api().deletePort(DeletePortRequest.newBuilder().setDvs("sw").setKey(k).build());
    }
  }

  @Test
  void theStandbyPrechecksWithTheStoredRealizedNetworksAndTheSubnetsById() {
    vmk("vmk-1", "esx1", "vmotion", "");
    vmk("vmk-2", "esx2", "vmotion", "");
    // Both managers: the leader from its agents' answers, the standby from ZooKeeper.
    for (int m = 0; m < 2; m++) {
      int manager = m;
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(precheck(manager).getFailuresList())
                      .as("manager " + manager)
                      .isEmpty());
    }

    // The same prefix in another subnet (of another port group) is not the same subnet.
    ipam(0)
        .createSubnet(
            CreateSubnetRequest.newBuilder()
                .setSubnet(
                    Subnet.newBuilder()
                        .setName("vmotion-b-net")
                        .setCidr("192.168.60.0/24")
                        .setNetwork(net("vmotion-b")))
                .build());
    api().deletePort(DeletePortRequest.newBuilder().setDvs("sw").setKey("vmk-2").build());
    vmk("vmk-2", "esx2", "vmotion-b", "");
    for (int m = 0; m < 2; m++) {
      assertThat(precheck(m).getFailuresList())
          .extracting(PrecheckFailure::getCondition)
          .containsExactly(PrecheckCondition.PRECHECK_CONDITION_VMOTION_SUBNETS_DIFFER);
    }
    // Migrate answers with the typed failures, and changes nothing.
    long generation = generation();
    MigrateResponse refused =
        MigrationServiceGrpc.newBlockingStub(managers.channel(0))
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .migrate(MigrateRequest.newBuilder().setVm(VM).setToHost("esx2").build());
    assertThat(refused.getOutcome()).isEqualTo(MigrationOutcome.MIGRATION_OUTCOME_PRECHECK_FAILED);
    assertThat(refused.getPrecheckFailuresList())
        .extracting(PrecheckFailure::getCondition)
        .containsExactly(PrecheckCondition.PRECHECK_CONDITION_VMOTION_SUBNETS_DIFFER);
    assertThat(generation()).isEqualTo(generation);

    for (String k : List.of("vmk-1", "vmk-2")) {
      api().deletePort(DeletePortRequest.newBuilder().setDvs("sw").setKey(k).build());
    }
  }

  // ---- helpers ----

  private void refused(String address, Status.Code code, ErrorReason reason) {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> vmk("vmk-bad", "esx2", "vmotion", address));
    assertThat(e).as(address).isNotNull();
    assertThat(e.getStatus().getCode()).as(address + ": " + e.getStatus()).isEqualTo(code);
    assertThat(StatusMapping.reason(e)).as(address).contains(reason);
  }

  private PrecheckResponse precheck(int manager) {
    return MigrationServiceGrpc.newBlockingStub(managers.channel(manager))
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .precheck(PrecheckRequest.newBuilder().setVm(VM).setToHost("esx2").build());
  }

  private Port vmk(String key, String host, String pg, String address) {
    return fixture.createVmkPort(key, host, pg, address);
  }

  private Port stored(String key) {
    return ports().stream().filter(p -> p.getKey().equals(key)).findFirst().orElseThrow();
  }

  private List<Port> ports() {
    return api().listPorts(ListPortsRequest.newBuilder().setDvs("sw").build()).getPortsList();
  }

  private List<NicRecord> records() {
    return ipam(0)
        .listNicRecords(ListNicRecordsRequest.newBuilder().setSubnet("vmotion-net").build())
        .getRecordsList();
  }

  private java.util.Optional<NicRecord> record(int manager, String ip) {
    return ipam(manager)
        .listNicRecords(ListNicRecordsRequest.newBuilder().setSubnet(vmotionNet.getId()).build())
        .getRecordsList()
        .stream()
        .filter(r -> r.getAddress().equals(ip))
        .findFirst();
  }

  private long generation() {
    return api().getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getGeneration();
  }

  private static String ip(String withPrefix) {
    return withPrefix.substring(0, withPrefix.indexOf('/'));
  }

  private static L2Network net(String pg) {
    return L2Network.newBuilder().setDvs("sw").setPortGroup(pg).build();
  }

  private ManagerServiceBlockingStub api() {
    return ManagerServiceGrpc.newBlockingStub(managers.channel(0))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private IpamServiceBlockingStub ipam(int manager) {
    return IpamServiceGrpc.newBlockingStub(managers.channel(manager))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }
}
