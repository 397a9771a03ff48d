package io.switchplane.common.diff;

import static io.switchplane.common.Fixtures.portGroup;
import static io.switchplane.common.Fixtures.state;
import static io.switchplane.common.Fixtures.vlanPolicy;
import static io.switchplane.common.Fixtures.withPorts;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.UplinkNic;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The work of an apply follows what changed, not the size of the host switch. */
class EffectiveStateResolverTest {
  private static final int PORTS = 4000;
  private HostSwitchState base;
  private Map<String, EffectivePort> baseEffective;

  @BeforeEach
  void setUp() {
    base = withPorts(PORTS);
    baseEffective = EffectiveStateResolver.resolveAll(base);
  }

  @Test
  void oneChangedPortIsResolvedOnce() {
    HostSwitchState next =
        base.toBuilder()
            .setDvs(base.getDvs().toBuilder().setGeneration(2))
            .setPorts(7, base.getPorts(7).toBuilder().setPolicy(vlanPolicy(99, false)))
            .build();

    var result = EffectiveStateResolver.resolve(base, baseEffective, next);

    assertThat(result.resolutions()).isEqualTo(1);
    assertThat(result.ports()).isEqualTo(EffectiveStateResolver.resolveAll(next));
    assertThat(PortDiff.diff(baseEffective, result.ports()))
        .extracting(PortOp::key)
        .containsExactly("p00007");
  }

  @Test
  void changedPortGroupResolvesOnlyItsPorts() {
    HostSwitchState next = base.toBuilder().setPortGroups(0, portGroup("a", 11)).build();

    var result = EffectiveStateResolver.resolve(base, baseEffective, next);

    assertThat(result.resolutions()).isEqualTo(PORTS / 4);
    assertThat(result.ports()).isEqualTo(EffectiveStateResolver.resolveAll(next));
    assertThat(PortDiff.diff(baseEffective, result.ports())).hasSize(PORTS / 4);
  }

  @Test
  void changedDvsDefaultsResolveEverything() {
    HostSwitchState next = base.toBuilder().setDvs(base.getDvs().toBuilder().setMtu(9000)).build();

    var result = EffectiveStateResolver.resolve(base, baseEffective, next);

    assertThat(result.resolutions()).isEqualTo(PORTS);
    assertThat(result.ports().get("p00001").getPolicy().getMtu()).isEqualTo(9000);
  }

  @Test
  void anUplinkNicPortIsItsHostsNicAndFollowsARemapAlone() {
    Connectee uplink1 =
        Connectee.newBuilder().setUplinkNic(UplinkNic.newBuilder().setUplink("uplink1")).build();
    HostSwitchState withNic =
        base.toBuilder()
            .setDvs(
                base.getDvs().toBuilder()
                    .setMembers(
                        0,
                        base.getDvs().getMembers(0).toBuilder().putUplinkNics("uplink1", "eth0")))
            .setPorts(3, base.getPorts(3).toBuilder().setConnectee(uplink1))
            .build();
    var first = EffectiveStateResolver.resolve(base, baseEffective, withNic);
    assertThat(first.ports().get("p00003").getNic()).isEqualTo("eth0");
    assertThat(first.ports().get("p00004").getNic()).isEmpty();

    HostSwitchState remapped =
        withNic.toBuilder()
            .setDvs(
                withNic.getDvs().toBuilder()
                    .setMembers(
                        0,
                        withNic.getDvs().getMembers(0).toBuilder()
                            .putUplinkNics("uplink1", "eth1")))
            .build();
    var result = EffectiveStateResolver.resolve(withNic, first.ports(), remapped);

    assertThat(result.resolutions())
        .as("only the uplink NIC port depends on the mapping")
        .isEqualTo(1);
    assertThat(result.ports().get("p00003").getNic()).isEqualTo("eth1");
    assertThat(PortDiff.diff(first.ports(), result.ports()))
        .extracting(PortOp::key)
        .containsExactly("p00003");
  }

  @Test
  void removedSwitchHasNoPorts() {
    HostSwitchState gone = state(3).setMember(false).build();
    assertThat(EffectiveStateResolver.resolve(base, baseEffective, gone).ports()).isEmpty();
  }
}
