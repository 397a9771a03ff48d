package io.switchplane.agent.apply;

import static io.switchplane.agent.AgentFixtures.port;
import static io.switchplane.agent.AgentFixtures.portGroup;
import static io.switchplane.agent.AgentFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.model.LogicalNetworks;
import io.switchplane.common.properties.PropertyResolver;
import io.switchplane.common.properties.PropertyRules;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/** A tally kept by difference is the tally of the state counted afresh, apply after apply. */
class PortTallyTest {

  @RepeatedTest(100)
  void aTallyByDifferenceIsTheTallyOfTheNextState(RepetitionInfo rep) {
    Random random = new Random(rep.getCurrentRepetition() * 7_919L);
    HostSwitchState previous = randomState(random, 1);
    PortTally counts = PortTally.of(previous);
    for (long generation = 2; generation < 30; generation++) {
      HostSwitchState next = randomState(random, generation);

      counts = counts.after(PortChanges.between(previous, next));

      assertThat(counts.groups()).isEqualTo(PortTally.of(next).groups());
      assertThat(counts).isEqualTo(PortTally.of(next)).hasSameHashCodeAs(PortTally.of(next));
      assertThat(counts.groups()).doesNotContainValue(0);
      assertThat(counts.namespaces(next)).isEqualTo(PropertyResolver.namespaces(next));
      assertThat(counts.propertyBytes(next)).isEqualTo(PropertyRules.bytes(next));
      assertThat(counts.realized(next))
          .isEqualTo(
              LogicalNetworks.realized(
                  next, next.getPortsList().stream().map(Port::getPortGroupId).toList()));
      previous = next;
    }
  }

  /**
   * Up to 12 ports in key order over keys p0..p14, each in one of four groups with up to two
   * property entries in three namespaces.
   */
  private static HostSwitchState randomState(Random random, long generation) {
    HostSwitchState.Builder b = state(generation);
    for (int g = 0; g < 4; g++) {
      b.addPortGroups(portGroup("pg" + g, 10 + g));
    }
    TreeMap<String, Port> ports = new TreeMap<>();
    int n = random.nextInt(13);
    for (int i = 0; i < n; i++) {
      String key = "p" + random.nextInt(15);
      Port.Builder port = port(key, "pg" + random.nextInt(4)).toBuilder();
      for (int e = random.nextInt(3); e > 0; e--) {
        port.addProperties(
            PropertyEntry.newBuilder()
                .setNamespace("org.example.ns" + random.nextInt(3))
                .setKey("k" + e)
                .setValue(ByteString.copyFromUtf8("v".repeat(random.nextInt(4)))));
      }
      ports.put(key, port.build());
    }
    return b.addAllPorts(ports.values()).build();
  }
}
