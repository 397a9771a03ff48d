package io.switchplane.manager.changeset;

import io.switchplane.api.v1.Port;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The port keys of port groups during one planning run: each group's keys found on first need
 * (deleting or changing that group) by one pass over the ports, then kept up to date as ops apply;
 * most change sets need none. Only the groups asked for: indexing every port of a large DVS
 * (sorted, as before) cost more than the change it served. Keys in port order.
 */
final class PortGroupIndex {
  private final Map<String, Port> ports;
  private final Map<String, Set<String>> keysByGroup = new HashMap<>();

  /** An index over ports (the planner's live map, by key). */
  PortGroupIndex(Map<String, Port> ports) {
    this.ports = ports;
  }

  /** The keys of the ports in the group (a live set: callers must not modify it). */
  Set<String> keysOf(String portGroupId) {
    return keysByGroup.computeIfAbsent(
        portGroupId,
        id -> {
          Set<String> keys = new LinkedHashSet<>();
          for (Port p : ports.values()) {
            if (p.getPortGroupId().equals(id)) {
              keys.add(p.getKey());
            }
          }
          return keys;
        });
  }

  /** A port was put into the map (new, or replacing one whose removal was reported). */
  void added(Port p) {
    Set<String> keys = keysByGroup.get(p.getPortGroupId());
    if (keys != null) {
      keys.add(p.getKey());
    }
  }

  /** A port left the map, or was replaced. */
  void removed(Port p) {
    Set<String> keys = keysByGroup.get(p.getPortGroupId());
    if (keys != null) {
      keys.remove(p.getKey());
    }
  }
}
