package io.switchplane.manager.migration;

import static io.switchplane.manager.ManagerFixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PrecheckCondition;
import io.switchplane.api.v1.PrecheckFailure;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.api.v1.VmNic;
import io.switchplane.api.v1.VmkNic;
import io.switchplane.api.v1.VmkService;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.manager.model.DvsConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class MigrationPrecheckTest {
  private static final String VM = "vm-uuid-1";
  private static final String WEB_NET = "11111111-1111-4111-8111-111111111111";
  private static final String DB_NET = "22222222-2222-4222-8222-222222222222";

  /** What each host realizes, by host id: h2 realizes both networks unless a test says else. */
  private final Map<String, Set<String>> realized =
      new HashMap<>(Map.of("h1", Set.of(WEB_NET, DB_NET), "h2", Set.of(WEB_NET, DB_NET)));

  private final Map<String, PortGroup> groups = new LinkedHashMap<>();
  private final Map<String, Port> ports = new LinkedHashMap<>();
  private List<String> members = List.of("h1", "h2");

  /** The IP subnet (id) of each VMkernel address, as IPAM would say; none unless a test sets it. */
  private final Map<String, String> subnets = new HashMap<>();

  MigrationPrecheckTest() {
    group("pg-web", "web", WEB_NET, g -> g);
    group("pg-db", "db", DB_NET, g -> g);
    vmNic("vm-a", "pg-web", "h1");
    vmNic("vm-b", "pg-db", "h1");
    vmk("vmk-h1", "h1", "192.168.50.11/24", VmkService.VMK_SERVICE_VMOTION);
    vmk("vmk-h2", "h2", "192.168.50.12/24", VmkService.VMK_SERVICE_VMOTION);
  }

  @Test
  void aMoveMeetingEveryConditionPasses() {
    PrecheckResponse r = check("h2");

    assertThat(r.getOk()).isTrue();
    assertThat(r.getFailuresList()).isEmpty();
    assertThat(r.getFromHostId()).isEqualTo("h1");
    assertThat(r.getPortKeysList()).containsExactly("vm-a", "vm-b");
  }

  @Test
  void theDestinationMustRealizeTheLogicalNetworkByIdNotByName() {
    // h2 realizes a network named "web" too, but another one: the name does not count.
    realized.put("h2", Set.of("33333333-3333-4333-8333-333333333333", DB_NET));

    assertThat(only(check("h2")))
        .satisfies(
            f -> {
              assertThat(f.getCondition())
                  .isEqualTo(PrecheckCondition.PRECHECK_CONDITION_NETWORK_NOT_REALIZED);
              assertThat(f.getPortKey()).isEqualTo("vm-a");
              assertThat(f.getDetail())
                  .isEqualTo(
                      "host 'host-h2' does not realize logical network "
                          + WEB_NET
                          + " (port group 'web' of DVS 'sw')");
            });
  }

  @Test
  void theDestinationMustBeAMember() {
    members = List.of("h1");

    assertThat(check("h2").getFailuresList())
        .extracting(PrecheckFailure::getCondition, PrecheckFailure::getPortKey)
        .containsExactly(
            tuple(PrecheckCondition.PRECHECK_CONDITION_DESTINATION_NOT_MEMBER, "vm-a"),
            tuple(PrecheckCondition.PRECHECK_CONDITION_DESTINATION_NOT_MEMBER, "vm-b"));
  }

  @Test
  void theSourceNeedsAVmotionVmkernelPortWithAnAddress() {
    vmk("vmk-h1", "h1", "192.168.50.11/24", VmkService.VMK_SERVICE_MANAGEMENT);

    assertThat(only(check("h2")).getCondition())
        .isEqualTo(PrecheckCondition.PRECHECK_CONDITION_SOURCE_NO_VMOTION_PORT);
  }

  @Test
  void theDestinationNeedsAVmotionVmkernelPortWithAnAddress() {
    vmk("vmk-h2", "h2", "", VmkService.VMK_SERVICE_VMOTION);

    assertThat(only(check("h2")))
        .satisfies(
            f -> {
              assertThat(f.getCondition())
                  .isEqualTo(PrecheckCondition.PRECHECK_CONDITION_DESTINATION_NO_VMOTION_PORT);
              assertThat(f.getPortKey()).isEmpty();
              assertThat(f.getDetail())
                  .isEqualTo(
                      "host 'host-h2' has no VMkernel port with the vMotion service and an address");
            });
  }

  @Test
  void whereIpSubnetsHoldTheAddressesTheSubnetIdDecidesNotThePrefix() {
    // The same prefix in two IP subnets (of two port groups that do not share one): not one subnet.
    subnets.put("192.168.50.11", "subnet-a");
    subnets.put("192.168.50.12", "subnet-b");
    assertThat(only(check("h2")))
        .satisfies(
            f -> {
              assertThat(f.getCondition())
                  .isEqualTo(PrecheckCondition.PRECHECK_CONDITION_VMOTION_SUBNETS_DIFFER);
              assertThat(f.getDetail())
                  .contains("192.168.50.11/24 in subnet subnet-a")
                  .contains("192.168.50.12/24 in subnet subnet-b");
            });

    // One subnet reachable from both port groups: it passes, whatever the prefixes.
    subnets.put("192.168.50.12", "subnet-a");
    assertThat(check("h2").getOk()).isTrue();

    // Only one address lies in a subnet: the prefix decides.
    subnets.remove("192.168.50.12");
    assertThat(check("h2").getOk()).isTrue();
    vmk("vmk-h2", "h2", "192.168.51.12/24", VmkService.VMK_SERVICE_VMOTION);
    assertThat(only(check("h2")).getCondition())
        .isEqualTo(PrecheckCondition.PRECHECK_CONDITION_VMOTION_SUBNETS_DIFFER);
  }

  @Test
  void theVmotionPortsMustShareASubnet() {
    vmk("vmk-h2", "h2", "192.168.51.12/24", VmkService.VMK_SERVICE_VMOTION);

    assertThat(only(check("h2")).getDetail())
        .isEqualTo(
            "the vMotion VMkernel ports of host 'host-h1' (192.168.50.11/24) and host 'host-h2'"
                + " (192.168.51.12/24) share no subnet");
    assertThat(only(check("h2")).getCondition())
        .isEqualTo(PrecheckCondition.PRECHECK_CONDITION_VMOTION_SUBNETS_DIFFER);
  }

  @Test
  void thePortGroupMustAllowMoves() {
    group("pg-db", "db", DB_NET, g -> g.setAllowMoves(false));

    assertThat(only(check("h2")))
        .satisfies(
            f -> {
              assertThat(f.getCondition())
                  .isEqualTo(PrecheckCondition.PRECHECK_CONDITION_MOVES_NOT_ALLOWED);
              assertThat(f.getPortKey()).isEqualTo("vm-b");
            });
    group("pg-db", "db", DB_NET, g -> g.setAllowMoves(true));
    assertThat(check("h2").getOk()).as("explicitly allowed").isTrue();
  }

  @Test
  void aFullStaticPortGroupHasNoRoomForThePreparedPort() {
    group(
        "pg-web",
        "web",
        WEB_NET,
        g -> g.setBinding(PortBinding.PORT_BINDING_STATIC).setNumPorts(1));

    assertThat(only(check("h2")).getCondition())
        .isEqualTo(PrecheckCondition.PRECHECK_CONDITION_NO_CAPACITY);

    group(
        "pg-web",
        "web",
        WEB_NET,
        g -> g.setBinding(PortBinding.PORT_BINDING_STATIC).setNumPorts(1).setAutoExpand(true));
    assertThat(check("h2").getOk()).as("auto-expand grows").isTrue();
  }

  @Test
  void everyFailedConditionIsListedNotOnlyTheFirst() {
    realized.put("h2", Set.of());
    vmk("vmk-h2", "h2", "10.9.9.9/24", VmkService.VMK_SERVICE_VMOTION);
    group("pg-db", "db", DB_NET, g -> g.setAllowMoves(false));

    assertThat(check("h1").getFailuresList())
        .extracting(PrecheckFailure::getCondition)
        .containsExactly(
            PrecheckCondition.PRECHECK_CONDITION_SAME_HOST,
            PrecheckCondition.PRECHECK_CONDITION_MOVES_NOT_ALLOWED);
    assertThat(check("h2").getFailuresList())
        .extracting(PrecheckFailure::getCondition)
        .containsExactly(
            PrecheckCondition.PRECHECK_CONDITION_VMOTION_SUBNETS_DIFFER,
            PrecheckCondition.PRECHECK_CONDITION_NETWORK_NOT_REALIZED,
            PrecheckCondition.PRECHECK_CONDITION_NETWORK_NOT_REALIZED,
            PrecheckCondition.PRECHECK_CONDITION_MOVES_NOT_ALLOWED);
  }

  @Test
  void aVmWithoutPortsIsNotFound() {
    assertThat(
            failure(ErrorCode.NOT_FOUND, () -> precheck().check("no-such-vm", "h2")).getMessage())
        .isEqualTo("VM 'no-such-vm' has no port on any DVS");
  }

  private PrecheckResponse check(String to) {
    return precheck().check(VM, to);
  }

  private MigrationPrecheck precheck() {
    Dvs.Builder dvs = Dvs.newBuilder().setId("dvs-1").setName("sw").setGeneration(3);
    members.forEach(h -> dvs.addMembers(HostMember.newBuilder().setHostId(h)));
    DvsConfig config = DvsConfig.of(dvs.build(), groups, ports);
    return new MigrationPrecheck(
        List.of(config),
        (dvsId, hostId) -> realized.getOrDefault(hostId, Set.of()),
        id -> "host-" + id,
        (dvsId, pg, ip) -> java.util.Optional.ofNullable(subnets.get(ip.toString())));
  }

  private static PrecheckFailure only(PrecheckResponse r) {
    assertThat(r.getOk()).isFalse();
    assertThat(r.getFailuresList()).hasSize(1);
    return r.getFailures(0);
  }

  private void group(String id, String name, String logical, UnaryOperator<PortGroup.Builder> f) {
    groups.put(
        id,
        f.apply(
                PortGroup.newBuilder()
                    .setId(id)
                    .setDvsId("dvs-1")
                    .setName(name)
                    .setLogicalNetworkId(logical)
                    .setBinding(PortBinding.PORT_BINDING_EPHEMERAL))
            .build());
  }

  private void vmNic(String key, String group, String host) {
    ports.put(
        key,
        Port.newBuilder()
            .setKey(key)
            .setDvsId("dvs-1")
            .setPortGroupId(group)
            .setHostId(host)
            .setConnectee(
                Connectee.newBuilder()
                    .setVmNic(
                        VmNic.newBuilder().setVmUuid(VM).setMac("00:50:56:00:00:0" + key.length())))
            .build());
  }

  private void vmk(String key, String host, String address, VmkService service) {
    ports.put(
        key,
        Port.newBuilder()
            .setKey(key)
            .setDvsId("dvs-1")
            .setPortGroupId("pg-db")
            .setHostId(host)
            .setConnectee(
                Connectee.newBuilder()
                    .setVmkNic(
                        VmkNic.newBuilder()
                            .setDevice("vmk1")
                            .addServices(service)
                            .setAddress(address)))
            .build());
  }
}
