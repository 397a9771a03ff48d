package io.switchplane.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import org.junit.jupiter.api.Test;

class InterfaceAddressTest {
  @Test
  void anAddressKeepsItsHostBitsAndKnowsItsNetwork() {
    InterfaceAddress a = InterfaceAddress.parse("192.168.50.11/24");

    assertThat(a.network()).isEqualTo(Cidr.parse("192.168.50.0/24"));
    assertThat(a.toString()).isEqualTo("192.168.50.11/24");
    assertThat(InterfaceAddress.parse("2001:db8::5/64").network())
        .isEqualTo(Cidr.parse("2001:db8::/64"));
  }

  @Test
  void badAddressesAreRefusedByName() {
    assertThat(refused("192.168.50.11"))
        .isEqualTo("address '192.168.50.11' has no prefix length, e.g. 10.0.0.5/24");
    assertThat(refused("192.168.50.11/33")).contains("prefix length is 0-32, not 33");
    assertThat(refused("192.168.50.0/24"))
        .isEqualTo("address '192.168.50.0/24' is not a host address of 192.168.50.0/24");
    assertThat(refused("192.168.50.11/x")).contains("prefix length 'x' is not a number");
  }

  private static String refused(String text) {
    SwitchplaneException e =
        catchThrowableOfType(SwitchplaneException.class, () -> InterfaceAddress.parse(text));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    return e.getMessage();
  }
}
