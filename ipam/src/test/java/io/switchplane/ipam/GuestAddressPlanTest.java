package io.switchplane.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.AddressConflict;
import io.switchplane.api.v1.AddressSource;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Subnet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuestAddressPlanTest {
  private static final L2Network WEB =
      L2Network.newBuilder().setDvs("d").setPortGroup("web").build();
  private static final L2Network DB = L2Network.newBuilder().setDvs("d").setPortGroup("db").build();
  private static final Subnet NET =
      Subnet.newBuilder()
          .setId("s1")
          .setName("net")
          .setCidr("10.0.0.0/24")
          .setGateway("10.0.0.1")
          .setNetwork(WEB)
          .build();

  private static GuestAddressPlan.Plan plan(
      List<GuestAddressPlan.Observed> nics, boolean complete, List<NicRecord> records) {
    return GuestAddressPlan.plan(
        nics,
        complete,
        Map.of("s1", NET),
        n -> n.equals(WEB) ? List.of("s1") : List.of(),
        Map.of("s1", records),
        7,
        "test");
  }

  private static GuestAddressPlan.Observed nic(String vm, String mac, L2Network n, String... ips) {
    return new GuestAddressPlan.Observed(vm, "name-" + vm, mac, n, List.of(ips));
  }

  private static NicRecord record(String vm, String mac, String address, AddressSource source) {
    return NicRecord.newBuilder()
        .setVmUuid(vm)
        .setMac(mac)
        .setNetwork(WEB)
        .setSubnetId("s1")
        .setAddress(address)
        .setSource(source)
        .build();
  }

  @Test
  void reachableAssignableAddressesAreTakenOthersIgnored() {
    GuestAddressPlan.Plan p =
        plan(
            List.of(
                nic("v1", "AA:00:00:00:00:01", WEB, "10.0.0.5", "10.0.0.1", "fe80::1%eth0"),
                nic("v2", "aa:00:00:00:00:02", DB, "10.0.0.6"),
                nic("v3", "aa:00:00:00:00:03", WEB, "192.168.0.1")),
            true,
            List.of());
    assertThat(p.take().get("s1"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getAddress()).isEqualTo("10.0.0.5");
              assertThat(r.getMac()).isEqualTo("aa:00:00:00:00:01");
              assertThat(r.getSource()).isEqualTo(AddressSource.ADDRESS_SOURCE_GUEST_TOOLS);
            });
    assertThat(p.conflicts()).isEmpty();
    assertThat(p.release()).isEmpty();
  }

  @Test
  void twoMacsAreAConflictNeverTwoRecords() {
    GuestAddressPlan.Plan fresh =
        plan(
            List.of(
                nic("v1", "aa:00:00:00:00:01", WEB, "10.0.0.5"),
                nic("v2", "aa:00:00:00:00:02", WEB, "10.0.0.5")),
            true,
            List.of());
    assertThat(fresh.take()).isEmpty();
    assertThat(fresh.conflicts().get("s1"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getKind()).isEqualTo(AddressConflict.Kind.KIND_TWO_MACS);
              assertThat(c.hasHolder()).isFalse();
              assertThat(c.getClaimantsCount()).isEqualTo(2);
            });
    NicRecord held =
        record("v1", "aa:00:00:00:00:01", "10.0.0.5", AddressSource.ADDRESS_SOURCE_GUEST_TOOLS);
    GuestAddressPlan.Plan later =
        plan(
            List.of(
                nic("v1", "aa:00:00:00:00:01", WEB, "10.0.0.5"),
                nic("v2", "aa:00:00:00:00:02", WEB, "10.0.0.5")),
            true,
            List.of(held));
    assertThat(later.take()).isEmpty();
    assertThat(later.release()).isEmpty();
    assertThat(later.conflicts().get("s1").get(0).getHolder()).isEqualTo(held);
    assertThat(later.conflicts().get("s1").get(0).getClaimantsList())
        .extracting(NicRecord::getVmUuid)
        .containsExactly("v2");
  }

  @Test
  void aFixedAddressWinsAndADifferentGuestAddressIsReported() {
    NicRecord fixed =
        record("v1", "aa:00:00:00:00:01", "10.0.0.50", AddressSource.ADDRESS_SOURCE_FIXED);
    GuestAddressPlan.Plan p =
        plan(List.of(nic("v1", "aa:00:00:00:00:01", WEB, "10.0.0.51")), true, List.of(fixed));
    assertThat(p.take()).isEmpty();
    assertThat(p.conflicts().get("s1"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getKind()).isEqualTo(AddressConflict.Kind.KIND_DIFFERS_FROM_FIXED);
              assertThat(c.getHolder()).isEqualTo(fixed);
              assertThat(c.getDetail()).contains("fixed", "10.0.0.50", "10.0.0.51");
            });
    assertThat(p.release()).as("fixed records are never released by the sync").isEmpty();
  }

  @Test
  void releasedOnRemovalOrMoveNotWhenTheToolsAreSilentNorFromAnIncompleteView() {
    NicRecord r1 =
        record("v1", "aa:00:00:00:00:01", "10.0.0.5", AddressSource.ADDRESS_SOURCE_GUEST_TOOLS);
    NicRecord r2 =
        record("v2", "aa:00:00:00:00:02", "10.0.0.6", AddressSource.ADDRESS_SOURCE_GUEST_TOOLS);
    NicRecord r3 =
        record("v3", "aa:00:00:00:00:03", "10.0.0.7", AddressSource.ADDRESS_SOURCE_GUEST_TOOLS);
    List<GuestAddressPlan.Observed> nics =
        List.of(
            nic("v1", "aa:00:00:00:00:01", WEB), // powered off: tools report nothing
            nic("v2", "aa:00:00:00:00:02", WEB, "10.0.0.9")); // moved; v3 is gone
    assertThat(plan(nics, true, List.of(r1, r2, r3)).release()).containsExactly(r2, r3);
    assertThat(plan(nics, false, List.of(r1, r2, r3)).release()).isEmpty();
  }

  @Test
  void detectNamesOtherNetworksWithTheirFirstVm() {
    Subnet wide = NET.toBuilder().setCidr("10.0.0.0/16").build();
    Map<L2Network, Map.Entry<GuestAddressPlan.Observed, String>> found =
        GuestAddressPlan.detect(
            List.of(
                nic("v1", "aa:00:00:00:00:01", WEB, "10.0.0.5"),
                nic("v2", "aa:00:00:00:00:02", DB, "172.16.0.1", "10.0.3.4"),
                nic("v3", "aa:00:00:00:00:03", DB, "10.0.3.5"),
                nic("v4", "aa:00:00:00:00:04", null, "10.0.3.6")),
            SubnetSpec.of(wide),
            List.of(WEB));
    assertThat(found).containsOnlyKeys(DB);
    assertThat(found.get(DB).getKey().vmUuid()).isEqualTo("v2");
    assertThat(found.get(DB).getValue()).isEqualTo("10.0.3.4");
  }
}
