package io.switchplane.agent.apply;

import static io.switchplane.agent.AgentFixtures.HOST;
import static io.switchplane.agent.AgentFixtures.PG_A;
import static io.switchplane.agent.AgentFixtures.port;
import static io.switchplane.agent.AgentFixtures.portGroup;
import static io.switchplane.agent.AgentFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortMigration;
import io.switchplane.api.v1.VmNic;
import io.switchplane.common.diff.PortChanges;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ports that arrived are found among the changed ones: standby before, forwarding after. */
class AnnouncementsTest {

  @Test
  void aStandbyCopyThatNowForwardsItsVmNicHasArrived() {
    HostSwitchState before =
        states(1, standby(vm("m1")), standby(vm("m2")), standby(vm("m3")), vm("m4"), standby("m5"));
    HostSwitchState after = states(2, vm("m1"), standby(vm("m2")), vm("m4"), port("m5", PG_A));

    assertThat(Announcements.arrived(PortChanges.between(before, after))).containsExactly("m1");
    assertThat(
            Announcements.pending(
                List.of("m2", "m4", "m9"), after, PortChanges.between(before, after)))
        .containsExactly("m1", "m4");
    assertThat(Announcements.arrived(PortChanges.between(null, after))).isEmpty();
  }

  private static HostSwitchState states(long generation, Port... ports) {
    return state(generation).addPortGroups(portGroup(PG_A, 10)).addAllPorts(List.of(ports)).build();
  }

  private static Port vm(String key) {
    return port(key, PG_A).toBuilder()
        .setConnectee(Connectee.newBuilder().setVmNic(VmNic.newBuilder().setVmUuid("vm-" + key)))
        .build();
  }

  private static Port standby(String key) {
    return standby(port(key, PG_A));
  }

  private static Port standby(Port port) {
    return port.toBuilder().setMigration(PortMigration.newBuilder().setStandbyHostId(HOST)).build();
  }
}
