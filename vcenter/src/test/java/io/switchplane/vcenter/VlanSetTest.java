package io.switchplane.vcenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VlanSetTest {
  @Test
  void parsesPrintsAndCombinesLikeAnAllowedVlanList() {
    VlanSet a = VlanSet.parse(" 100-102, 200,4094 ");
    assertThat(a.toString()).isEqualTo("100-102,200,4094");
    assertThat(a.size()).isEqualTo(5);
    assertThat(a.union(VlanSet.of(103, 1)).toString()).isEqualTo("1,100-103,200,4094");
    assertThat(a.minus(VlanSet.ofRange(101, 200)).toString()).isEqualTo("100,4094");
    assertThat(a.intersect(VlanSet.ofRange(101, 200)).toString()).isEqualTo("101-102,200");
    assertThat(a.containsAll(VlanSet.of(101, 200))).isTrue();
    assertThat(a.containsAll(VlanSet.of(103))).isFalse();
    assertThat(VlanSet.parse("none")).isEqualTo(VlanSet.EMPTY).hasToString("none");
    assertThatThrownBy(() -> VlanSet.parse("0"))
        .hasMessageContaining("VLAN 0 is not within 1-4094");
    assertThatThrownBy(() -> VlanSet.parse("20-10")).hasMessageContaining("20-10");
    assertThatThrownBy(() -> VlanSet.parse("x")).hasMessageContaining("'x' is not a VLAN id");
  }
}
