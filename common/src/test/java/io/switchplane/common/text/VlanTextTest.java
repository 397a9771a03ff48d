package io.switchplane.common.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VlanTextTest {
  @ParameterizedTest
  @ValueSource(strings = {"none", "100", "4094", "trunk:10-20,30", "trunk:1-4094"})
  void roundTrips(String text) {
    assertThat(VlanText.format(VlanText.parse(text))).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"vlan100", "trunk:a-b", ""})
  void rejectsGarbageWithAHint(String text) {
    assertThatThrownBy(() -> VlanText.parse(text))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("trunk:10-20,30")
        .extracting(e -> ((SwitchplaneException) e).code())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
  }
}
