package io.switchplane.agent.apply;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.model.LogicalNetworks;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How many ports of one applied state each port group has (groups without ports left out), kept by
 * difference from one apply to the next: the logical networks an answer reports (those of the
 * groups with a port) then cost what changed, not a walk over every port of the switch.
 */
final class GroupPorts {
  private final Map<String, Integer> counts;

  private GroupPorts(Map<String, Integer> counts) {
    this.counts = Collections.unmodifiableMap(counts);
  }

  /** The counts of state's ports, counted. */
  static GroupPorts of(HostSwitchState state) {
    Map<String, Integer> counts = new HashMap<>();
    for (Port port : state.getPortsList()) {
      counts.merge(port.getPortGroupId(), 1, Integer::sum);
    }
    return new GroupPorts(counts);
  }

  /**
   * The counts of the state changes leads to, from these counts of the state they were found
   * against; changes must compare ports (not {@link PortChanges#whole()}).
   */
  GroupPorts after(PortChanges changes) {
    if (changes.whole()) {
      throw new IllegalArgumentException("changes without a state before them");
    }
    if (changes.isEmpty()) {
      return this;
    }
    Map<String, Integer> next = new HashMap<>(counts);
    for (Port port : changes.removed()) {
      next.merge(port.getPortGroupId(), -1, Integer::sum);
    }
    for (Port port : changes.changed()) {
      Port before = changes.before().get(port.getKey());
      if (before != null) {
        next.merge(before.getPortGroupId(), -1, Integer::sum);
      }
      next.merge(port.getPortGroupId(), 1, Integer::sum);
    }
    next.values().removeIf(n -> n <= 0);
    return new GroupPorts(next);
  }

  /** The logical networks state realizes, state being the one these counts are of. */
  List<String> realized(HostSwitchState state) {
    return LogicalNetworks.realized(state, counts.keySet());
  }

  /** The count of each port group with ports (for tests). */
  Map<String, Integer> counts() {
    return counts;
  }
}
