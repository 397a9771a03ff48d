package io.switchplane.agent.modules;

import static io.switchplane.agent.AgentFixtures.port;
import static io.switchplane.agent.AgentFixtures.portGroup;
import static io.switchplane.agent.AgentFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
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
 * Delivering with the changed ports resolves only theirs, and gives the modules exactly what
 * resolving every entity gives, whether only ports changed or the DVS and port groups did too.
 */
class ChangedPortsDeliveryTest {
  private static final String NS = "org.example.rec";

  @RepeatedTest(200)
  void theChangedPortsGiveTheSameUpdatesAsEveryEntity(RepetitionInfo rep) throws Exception {
    Random random = new Random(rep.getCurrentRepetition() * 6_151L);
    HostSwitchState before = randomState(random, 1, random.nextInt(3));
    HostSwitchState after =
        randomState(random, 2, random.nextInt(4) == 0 ? random.nextInt(3) : groupVariant(before));
    ModuleDeliveryTest.Recording whole = new ModuleDeliveryTest.Recording(NS, false);
    ModuleDeliveryTest.Recording changed = new ModuleDeliveryTest.Recording(NS, false);

    int all = PropertyModules.of(List.of(whole)).deliver(before, after);
    int some =
        PropertyModules.of(List.of(changed))
            .deliver(before, after, PortChanges.between(before, after));

    assertThat(some).isEqualTo(all);
    assertThat(changed.updates).isEqualTo(whole.updates);
  }

  /** The variant of the port groups before had (its third entry's value). */
  private static int groupVariant(HostSwitchState state) {
    return state.getPortGroups(0).getPropertiesCount() == 0
        ? 0
        : state.getPortGroups(0).getProperties(0).getValue().byteAt(0);
  }

  /** Up to 10 ports over keys p0..p11 with random properties; the port groups' by variant. */
  private static HostSwitchState randomState(Random random, long generation, int variant) {
    HostSwitchState.Builder b = state(generation);
    for (int g = 0; g < 2; g++) {
      PortGroup.Builder pg = portGroup("pg" + g, 10 + g).toBuilder();
      if (variant > 0) {
        pg.addProperties(value("g", variant));
      }
      b.addPortGroups(pg);
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
