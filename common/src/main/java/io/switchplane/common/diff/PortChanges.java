package io.switchplane.common.diff;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which ports of a host switch state differ from the state before it, found in one pass over the
 * two port lists, so that validation, resolution and the agent's store each work on what changed
 * instead of comparing every port again.
 *
 * <p>The manager sends ports in key order, and the agent reads stored states back in key order: the
 * two lists are then walked side by side (a merge by key, one {@link Port#equals} per kept port, no
 * map built). When either list is out of order the ports are matched by key in a map instead (same
 * result, more work). {@link #ordered()} says whether next's keys are strictly ascending, which
 * also proves them free of duplicates.
 *
 * @param changed the ports of next that previous lacks or holds differently, in next's order
 * @param removed the ports of previous whose key next lacks, in previous's order
 * @param before previous's port for each key of changed that previous had (updates only)
 * @param whole true when there is nothing to compare with (no previous state, or a removed switch):
 *     every port of next is in changed
 * @param ordered next's port keys are strictly ascending (so there is no duplicate key)
 */
public record PortChanges(
    List<Port> changed,
    List<Port> removed,
    Map<String, Port> before,
    boolean whole,
    boolean ordered) {

  /** What next changes in previous's ports (previous null: nothing applied yet). */
  public static PortChanges between(HostSwitchState previous, HostSwitchState next) {
    return between(previous, next, false);
  }

  /**
   * As {@link #between(HostSwitchState, HostSwitchState)}, told whether previous's keys are known
   * to be strictly ascending (previous was the next of changes found {@link #ordered()} before):
   * then a key that next keeps costs one equality check instead of three comparisons, its order
   * following from previous's.
   */
  public static PortChanges between(
      HostSwitchState previous, HostSwitchState next, boolean previousAscending) {
    List<Port> ports = next.getPortsList();
    if (previous == null || !previous.getMember()) {
      return new PortChanges(ports, List.of(), Map.of(), true, ascending(ports));
    }
    PortChanges merged = merge(previous.getPortsList(), ports, previousAscending);
    return merged != null ? merged : byKey(previous.getPortsList(), ports);
  }

  /** No port changes (a removed switch, or a state identical in its ports). */
  public boolean isEmpty() {
    return changed.isEmpty() && removed.isEmpty();
  }

  /**
   * Both lists in strictly ascending key order, walked side by side; null as soon as one is not
   * (the caller then matches by key). With previousAscending, previous's order is not checked, nor
   * next's at a kept key: it is above every next key before it, each of which is a previous key
   * before it or below a previous key that is not after it.
   */
  private static PortChanges merge(
      List<Port> previous, List<Port> next, boolean previousAscending) {
    List<Port> changed = new ArrayList<>();
    List<Port> removed = new ArrayList<>();
    Map<String, Port> before = new HashMap<>();
    int previousSize = previous.size();
    int nextSize = next.size();
    int i = 0;
    int j = 0;
    String lastPrevious = null;
    String lastNext = null;
    while (i < previousSize || j < nextSize) {
      Port p = i < previousSize ? previous.get(i) : null;
      Port n = j < nextSize ? next.get(j) : null;
      if (previousAscending && p != null && n != null && p.getKey().equals(n.getKey())) {
        lastNext = n.getKey();
        i++;
        j++;
        if (!p.equals(n)) {
          changed.add(n);
          before.put(n.getKey(), p);
        }
        continue;
      }
      int order =
          p == null ? 1 : n == null ? -1 : p.getKey().compareTo(n.getKey()); // <0: only in previous
      if (order <= 0) {
        if (!previousAscending && lastPrevious != null && lastPrevious.compareTo(p.getKey()) >= 0) {
          return null;
        }
        lastPrevious = p.getKey();
        i++;
      }
      if (order >= 0) {
        if (lastNext != null && lastNext.compareTo(n.getKey()) >= 0) {
          return null;
        }
        lastNext = n.getKey();
        j++;
      }
      if (order < 0) {
        removed.add(p);
      } else if (order > 0) {
        changed.add(n);
      } else if (!p.equals(n)) {
        changed.add(n);
        before.put(n.getKey(), p);
      }
    }
    return new PortChanges(changed, removed, before, false, true);
  }

  /** Matched by key in a map: for lists not in key order. */
  private static PortChanges byKey(List<Port> previous, List<Port> next) {
    Map<String, Port> was = new HashMap<>(previous.size() * 2);
    for (Port p : previous) {
      was.put(p.getKey(), p);
    }
    List<Port> changed = new ArrayList<>();
    Map<String, Port> before = new HashMap<>();
    Set<String> keys = new HashSet<>(next.size() * 2);
    for (Port n : next) {
      keys.add(n.getKey());
      Port p = was.get(n.getKey());
      if (p == null) {
        changed.add(n);
      } else if (!p.equals(n)) {
        changed.add(n);
        before.put(n.getKey(), p);
      }
    }
    List<Port> removed = new ArrayList<>();
    for (Port p : previous) {
      if (!keys.contains(p.getKey())) {
        removed.add(p);
      }
    }
    return new PortChanges(changed, removed, before, false, ascending(next));
  }

  private static boolean ascending(List<Port> ports) {
    for (int i = 1; i < ports.size(); i++) {
      if (ports.get(i - 1).getKey().compareTo(ports.get(i).getKey()) >= 0) {
        return false;
      }
    }
    return true;
  }
}
