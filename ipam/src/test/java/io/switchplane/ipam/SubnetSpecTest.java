package io.switchplane.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.api.v1.AddressRange;
import io.switchplane.api.v1.Subnet;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.math.BigInteger;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SubnetSpecTest {
  private static final Subnet BASE =
      Subnet.newBuilder().setName("web").setCidr("10.0.0.0/24").setGateway("10.0.0.1").build();

  private static void refused(UnaryOperator<Subnet.Builder> change, String message) {
    assertThatThrownBy(() -> SubnetSpec.of(change.apply(BASE.toBuilder()).build()))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }

  @Test
  void wholeNetworkWithoutNetworkBroadcastAndGateway() {
    SubnetSpec s = SubnetSpec.of(BASE);
    assertThat(s.pool().size()).isEqualTo(BigInteger.valueOf(253));
    assertThat(s.pool().contains(Ip.parse("10.0.0.1", "x"))).isFalse();
    assertThat(s.pool().contains(Ip.parse("10.0.0.255", "x"))).isFalse();
    assertThat(s.pool().contains(Ip.parse("10.0.0.2", "x"))).isTrue();
  }

  @Test
  void normalizesAddresses() {
    Subnet s =
        SubnetSpec.of(
                Subnet.newBuilder()
                    .setName("v6")
                    .setCidr("2001:DB8:0:0::/64")
                    .setGateway("2001:db8:0::1")
                    .addRanges(
                        AddressRange.newBuilder()
                            .setFirst("2001:db8::100")
                            .setLast("2001:DB8::1FF"))
                    .addReserved("2001:db8::0100")
                    .addDnsServers("2001:4860:4860:0:0:0:0:8888")
                    .build())
            .normalized();
    assertThat(s.getCidr()).isEqualTo("2001:db8::/64");
    assertThat(s.getRanges(0).getLast()).isEqualTo("2001:db8::1ff");
    assertThat(s.getReservedList()).containsExactly("2001:db8::100");
    assertThat(s.getDnsServersList()).containsExactly("2001:4860:4860::8888");
    assertThat(SubnetSpec.of(s).pool().size()).isEqualTo(BigInteger.valueOf(255));
  }

  @Test
  void refusals() {
    refused(b -> b.setName(""), "subnet name ''");
    refused(b -> b.setName("a/b"), "subnet name 'a/b'");
    refused(b -> b.setGateway("10.0.1.1"), "gateway 10.0.1.1 is outside 10.0.0.0/24");
    refused(b -> b.setGateway("10.0.0.255"), "network's own address");
    refused(b -> b.setGateway("2001:db8::1"), "outside");
    refused(b -> b.addRanges(range("10.0.0.50", "10.0.0.40")), "ends before it starts");
    refused(b -> b.addRanges(range("10.0.0.0", "10.0.0.40")), "holds 10.0.0.0");
    refused(
        b ->
            b.addRanges(range("10.0.0.10", "10.0.0.40")).addRanges(range("10.0.0.40", "10.0.0.50")),
        "overlap");
    refused(b -> b.addReserved("10.0.0.9").addReserved("10.0.0.09"), "not an IPv4");
    refused(b -> b.addReserved("10.0.0.9").addReserved("10.0.0.9"), "listed twice");
    refused(b -> b.addDnsServers("dns.example.com"), "DNS server 'dns.example.com'");
  }

  @Test
  void overlapNamesTheOtherSubnet() {
    Subnet a = Subnet.newBuilder().setName("a").setCidr("10.0.0.0/16").build();
    Subnet b = Subnet.newBuilder().setName("b").setCidr("10.1.0.0/16").build();
    assertThat(SubnetSpec.overlapping(Cidr.parse("10.0.5.0/24"), List.of(b, a)))
        .map(Subnet::getName)
        .hasValue("a");
    assertThat(SubnetSpec.overlapping(Cidr.parse("10.2.0.0/24"), List.of(a, b))).isEmpty();
  }

  private static AddressRange range(String first, String last) {
    return AddressRange.newBuilder().setFirst(first).setLast(last).build();
  }
}
