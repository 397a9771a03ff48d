package io.switchplane.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidrTest {
  @Test
  void ipv4Bounds() {
    Cidr c = Cidr.parse("10.1.2.0/24");
    assertThat(c.first()).hasToString("10.1.2.0");
    assertThat(c.last()).hasToString("10.1.2.255");
    assertThat(c.size()).isEqualTo(BigInteger.valueOf(256));
    assertThat(c.contains(Ip.parse("10.1.2.77", "x"))).isTrue();
    assertThat(c.contains(Ip.parse("10.1.3.0", "x"))).isFalse();
    assertThat(c.contains(Ip.parse("::a01:200", "x"))).isFalse();
  }

  @Test
  void ipv6IsCanonicalAndHuge() {
    Cidr c = Cidr.parse("2001:DB8:0:1:0::/64");
    assertThat(c).hasToString("2001:db8:0:1::/64");
    assertThat(c.size()).isEqualTo(BigInteger.ONE.shiftLeft(64));
    assertThat(c.last()).hasToString("2001:db8:0:1:ffff:ffff:ffff:ffff");
    assertThat(Ip.parse("2001:0db8:0000:0001::0005", "x")).hasToString("2001:db8:0:1::5");
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/24, 10.0.0.128/25, true",
    "10.0.0.0/24, 10.0.1.0/24, false",
    "10.0.0.0/8, 10.200.0.0/16, true",
    "10.0.0.0/24, ::/0, false",
    "2001:db8::/64, 2001:db8::/48, true",
    "2001:db8::/64, 2001:db8:0:1::/64, false"
  })
  void overlap(String a, String b, boolean overlaps) {
    assertThat(Cidr.parse(a).overlaps(Cidr.parse(b))).isEqualTo(overlaps);
    assertThat(Cidr.parse(b).overlaps(Cidr.parse(a))).isEqualTo(overlaps);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "10.0.0.1/24; has host bits set; the network is 10.0.0.0/24",
        "10.0.0.0; has no prefix length",
        "10.0.0.0/33; prefix length is 0-32, not 33",
        "2001:db8::/129; prefix length is 0-128, not 129",
        "10.0.0.0/x; is not a number",
        "10.0.0.0/-1; is not a number",
        "example.com/24; is not an IPv4 or IPv6 address",
        "fe80::1%eth0/64; scoped address"
      })
  void refusals(String text, String message) {
    assertThatThrownBy(() -> Cidr.parse(text))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }

  @Test
  void specialAddresses() {
    Cidr v4 = Cidr.parse("192.168.0.0/30");
    assertThat(v4.isSpecial(Ip.parse("192.168.0.0", "x"))).isTrue();
    assertThat(v4.isSpecial(Ip.parse("192.168.0.3", "x"))).isTrue();
    assertThat(v4.isSpecial(Ip.parse("192.168.0.1", "x"))).isFalse();
    assertThat(Cidr.parse("192.168.0.0/31").isSpecial(Ip.parse("192.168.0.0", "x"))).isFalse();
    Cidr v6 = Cidr.parse("2001:db8::/64");
    assertThat(v6.isSpecial(Ip.parse("2001:db8::", "x"))).isTrue();
    assertThat(v6.isSpecial(Ip.parse("2001:db8::ffff:ffff:ffff:ffff", "x"))).isFalse();
  }
}
