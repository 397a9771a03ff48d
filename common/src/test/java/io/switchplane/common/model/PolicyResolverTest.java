package io.switchplane.common.model;

import static io.switchplane.common.Fixtures.dvs;
import static io.switchplane.common.Fixtures.vlanPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.BlockedSetting;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePolicy;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PolicyResolverTest {
  private static final Policy NONE = Policy.getDefaultInstance();

  @Test
  void nothingSetGivesBuiltInDefaults() {
    EffectivePolicy p = PolicyResolver.resolve(dvs(1).toBuilder().setMtu(9000).build(), NONE, NONE);
    assertThat(p.getVlan().hasUntagged()).isTrue();
    assertThat(p.getSecurity().getAllowPromiscuous()).isFalse();
    assertThat(p.getIngressShaping().getEnabled()).isFalse();
    assertThat(p.getTeaming().getActiveUplinksList()).containsExactly("uplink1", "uplink2");
    assertThat(p.getMtu()).isEqualTo(9000);
    assertThat(p.getBlocked()).isFalse();
  }

  @Test
  void lowerLevelWinsWhereAllowed() {
    Dvs dvs = dvs(1).toBuilder().setDefaultPolicy(vlanPolicy(10, true)).build();
    assertThat(vlan(dvs, NONE, NONE)).isEqualTo(10);
    assertThat(vlan(dvs, vlanPolicy(20, true), NONE)).isEqualTo(20);
    assertThat(vlan(dvs, vlanPolicy(20, true), vlanPolicy(30, false))).isEqualTo(30);
    assertThat(vlan(dvs, NONE, vlanPolicy(30, false))).isEqualTo(30);
  }

  @Test
  void lockedLevelIgnoresLowerLevels() {
    Dvs locked = dvs(1).toBuilder().setDefaultPolicy(vlanPolicy(10, false)).build();
    assertThat(vlan(locked, vlanPolicy(20, true), vlanPolicy(30, true))).isEqualTo(10);
    Dvs open = dvs(1).toBuilder().setDefaultPolicy(vlanPolicy(10, true)).build();
    assertThat(vlan(open, vlanPolicy(20, false), vlanPolicy(30, true))).isEqualTo(20);
  }

  @Test
  void fieldsResolveIndependently() {
    Policy pg =
        Policy.newBuilder()
            .setMtu(MtuSetting.newBuilder().setValue(9000))
            .setBlocked(BlockedSetting.newBuilder().setValue(true).setOverrideAllowed(true))
            .build();
    Policy port =
        Policy.newBuilder()
            .setMtu(MtuSetting.newBuilder().setValue(1400))
            .setBlocked(BlockedSetting.newBuilder().setValue(false))
            .build();
    EffectivePolicy p = PolicyResolver.resolve(dvs(1), pg, port);
    assertThat(p.getMtu()).as("mtu locked at port group").isEqualTo(9000);
    assertThat(p.getBlocked()).as("blocked open at port group").isFalse();
  }

  @Test
  void explainNamesTheLevelEachFieldCameFromAndWhatItIgnored() {
    Policy pg =
        Policy.newBuilder()
            .setMtu(MtuSetting.newBuilder().setValue(9000))
            .setBlocked(BlockedSetting.newBuilder().setValue(true).setOverrideAllowed(true))
            .build();
    Policy port =
        Policy.newBuilder()
            .setMtu(MtuSetting.newBuilder().setValue(1400))
            .setBlocked(BlockedSetting.newBuilder().setValue(false))
            .build();
    Dvs dvs = dvs(1).toBuilder().setDefaultPolicy(vlanPolicy(10, true)).build();

    Map<String, PolicyResolver.Origin> byField =
        PolicyResolver.explain(dvs, pg, port).stream()
            .collect(Collectors.toMap(PolicyResolver.Origin::field, o -> o));

    assertThat(byField.keySet())
        .containsExactlyInAnyOrder(
            "vlan", "security", "ingress-shaping", "egress-shaping", "teaming", "mtu", "blocked");
    assertThat(byField.get("vlan"))
        .isEqualTo(new PolicyResolver.Origin("vlan", PolicyResolver.Source.DVS, true, false));
    assertThat(byField.get("mtu"))
        .as("locked at the port group: the port's 1400 is ignored")
        .isEqualTo(new PolicyResolver.Origin("mtu", PolicyResolver.Source.PORT_GROUP, false, true));
    assertThat(byField.get("blocked"))
        .isEqualTo(new PolicyResolver.Origin("blocked", PolicyResolver.Source.PORT, false, false));
    assertThat(byField.get("teaming").source()).isEqualTo(PolicyResolver.Source.BUILT_IN_DEFAULT);
  }

  private static int vlan(Dvs dvs, Policy pg, Policy port) {
    return PolicyResolver.resolve(dvs, pg, port).getVlan().getAccessId();
  }
}
