package io.switchplane.agent.apply;

import static io.switchplane.agent.AgentFixtures.port;
import static io.switchplane.agent.AgentFixtures.portGroup;
import static io.switchplane.agent.AgentFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.model.LogicalNetworks;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/** Counts kept by difference are the counts of the state counted afresh, apply after apply. */
class GroupPortsTest {

  @RepeatedTest(100)
  void countsByDifferenceAreTheCountsOfTheNextState(RepetitionInfo rep) {
    Random random = new Random(rep.getCurrentRepetition() * 7_919L);
    HostSwitchState previous = randomState(random, 1);
    GroupPorts counts = GroupPorts.of(previous);
    for (long generation = 2; generation < 30; generation++) {
      HostSwitchState next = randomState(random, generation);

      counts = counts.after(PortChanges.between(previous, next));

      assertThat(counts.counts()).isEqualTo(GroupPorts.of(next).counts());
      assertThat(counts.counts()).doesNotContainValue(0);
      assertThat(counts.realized(next))
          .isEqualTo(
              LogicalNetworks.realized(
                  next, next.getPortsList().stream().map(Port::getPortGroupId).toList()));
      previous = next;
    }
  }

  /** Up to 12 ports in key order over keys p0..p14, each in one of four groups. */
  private static HostSwitchState randomState(Random random, long generation) {
    HostSwitchState.Builder b = state(generation);
    for (int g = 0; g < 4; g++) {
      b.addPortGroups(portGroup("pg" + g, 10 + g));
    }
    TreeMap<String, Port> ports = new TreeMap<>();
    int n = random.nextInt(13);
    for (int i = 0; i < n; i++) {
      String key = "p" + random.nextInt(15);
      ports.put(key, port(key, "pg" + random.nextInt(4)));
    }
    return b.addAllPorts(ports.values()).build();
  }
}
