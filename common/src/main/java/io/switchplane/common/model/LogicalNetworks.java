package io.switchplane.common.model;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PortGroup;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The logical network id of a port group: the unique id a migration matches (never the name). New
 * port groups get a random UUID from the manager; a port group stored before ids existed gets a
 * name-based (version 3) UUID of its DVS id and id, so that every manager, agent and snapshot
 * reader derives the same one and it never changes.
 */
public final class LogicalNetworks {
  private LogicalNetworks() {}

  /** The id a port group stored without one has: a function of its DVS id and id only. */
  public static String derivedId(String dvsId, String portGroupId) {
    return UUID.nameUUIDFromBytes(
            ("switchplane:logical-network:" + dvsId + "/" + portGroupId)
                .getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  /** pg itself when it has a logical network id, else pg with its {@link #derivedId}. */
  public static PortGroup withId(PortGroup pg) {
    if (!pg.getLogicalNetworkId().isEmpty()) {
      return pg;
    }
    return pg.toBuilder().setLogicalNetworkId(derivedId(pg.getDvsId(), pg.getId())).build();
  }

  /**
   * The logical network ids a host realizes for a DVS: those of state's port groups that have a
   * port among portGroupIds (the port group ids of the ports on the host's switch), sorted.
   */
  public static List<String> realized(HostSwitchState state, Collection<String> portGroupIds) {
    Set<String> used = new HashSet<>(portGroupIds);
    TreeSet<String> out = new TreeSet<>();
    for (PortGroup pg : state.getPortGroupsList()) {
      if (used.contains(pg.getId())) {
        out.add(withId(pg).getLogicalNetworkId());
      }
    }
    return List.copyOf(out);
  }
}
