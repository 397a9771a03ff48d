package io.switchplane.agent.modules;

import static io.switchplane.agent.AgentFixtures.port;
import static io.switchplane.agent.AgentFixtures.portGroup;
import static io.switchplane.agent.AgentFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.api.v1.PropertyUnset;
import io.switchplane.common.diff.PortChanges;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Delivering with the changed ports resolves only theirs when nothing else differs, and gives the
 * modules exactly what resolving every entity gives, whether only ports changed or the DVS's
 * properties, its members (properties, uplink NICs, the set of hosts) or port groups did too.
 */
class ChangedPortsDeliveryTest {
  private static final String NS = "org.example.rec";

  /** What else than the ports an after may change. */
  private enum Other {
    NOTHING,
    DVS_PROPERTIES,
    MEMBER_PROPERTIES,
    MEMBER_NICS,
    MEMBER_SET,
    PORT_GROUPS
  }

  @RepeatedTest(300)
  void theChangedPortsGiveTheSameUpdatesAsEveryEntity(RepetitionInfo rep) throws Exception {
    Random random = new Random(rep.getCurrentRepetition() * 6_151L);
    Other other =
        random.nextBoolean()
            ? Other.NOTHING
            : Other.values()[random.nextInt(Other.values().length)];
    int[] was = {random.nextInt(3), random.nextInt(3), random.nextInt(2), random.nextInt(2), 0};
    int[] now = was.clone();
    switch (other) {
      case DVS_PROPERTIES -> now[1] = (was[1] + 1 + random.nextInt(2)) % 3;
      case MEMBER_PROPERTIES -> now[2] = 1 - was[2];
      case MEMBER_NICS -> now[3] = 1 - was[3];
      case MEMBER_SET -> now[4] = 1;
      case PORT_GROUPS -> now[0] = (was[0] + 1 + random.nextInt(2)) % 3;
      case NOTHING -> {}
    }
    HostSwitchState before = randomState(random, 1, was);
    HostSwitchState after = randomState(random, 2, now);
    ModuleDeliveryTest.Recording whole = new ModuleDeliveryTest.Recording(NS, false);
    ModuleDeliveryTest.Recording changed = new ModuleDeliveryTest.Recording(NS, false);
    PortChanges changes = PortChanges.between(before, after);

    int all = PropertyModules.of(List.of(whole)).deliver(before, after);
    int some = PropertyModules.of(List.of(changed)).deliver(before, after, changes);

    assertThat(some).isEqualTo(all);
    assertThat(changed.updates).isEqualTo(whole.updates);
    assertThat(PropertyModules.onlyPortsDiffer(before, after, changes))
        .as("only the ports resolved when %s else changed", other)
        .isEqualTo(other == Other.NOTHING);
  }

  /**
   * Up to 10 ports over keys p0..p11 with random properties; the port groups', the DVS's and the
   * member's properties, the member's uplink NIC and a second member by variant.
   */
  private static HostSwitchState randomState(Random random, long generation, int[] variant) {
    HostSwitchState.Builder b = state(generation);
    for (int g = 0; g < 2; g++) {
      PortGroup.Builder pg = portGroup("pg" + g, 10 + g).toBuilder();
      if (variant[0] > 0) {
        pg.addProperties(value("g", variant[0]));
      }
      b.addPortGroups(pg);
    }
    Dvs.Builder dvs = b.getDvsBuilder();
    if (variant[1] > 0) {
      dvs.addProperties(value("g", variant[1]));
    }
    HostMember.Builder member = dvs.getMembersBuilder(0);
    if (variant[2] > 0) {
      member.addProperties(value("h", 1));
    }
    member.putUplinkNics("uplink1", "eth" + variant[3]);
    if (variant[4] > 0) {
      dvs.addMembers(HostMember.newBuilder().setHostId("host-2").addProperties(value("h", 2)));
    }
    TreeMap<String, Port> ports = new TreeMap<>();
    int n = random.nextInt(11);
    for (int i = 0; i < n; i++) {
      String key = "p" + random.nextInt(12);
      Port.Builder p = port(key, "pg" + random.nextInt(2)).toBuilder();
      switch (random.nextInt(4)) {
        case 0 -> p.addProperties(value("a", random.nextInt(2)));
        case 1 ->
            p.addProperties(
                PropertyEntry.newBuilder()
                    .setNamespace(NS)
                    .setKey("g")
                    .setUnset(PropertyUnset.getDefaultInstance()));
        default -> {}
      }
      ports.put(key, p.build());
    }
    return b.addAllPorts(ports.values()).build();
  }

  private static PropertyEntry value(String key, int value) {
    return PropertyEntry.newBuilder()
        .setNamespace(NS)
        .setKey(key)
        .setValue(ByteString.copyFrom(new byte[] {(byte) value}))
        .build();
  }
}
