package io.switchplane.agent.apply;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.model.LogicalNetworks;
import io.switchplane.common.properties.PropertyResolver;
import io.switchplane.common.properties.PropertyRules;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;

/**
 * What an apply needs to know about all the ports of one applied state, kept by difference from one
 * apply to the next so that it costs what changed, not a walk over every port of the switch: how
 * many ports each port group has (the logical networks an answer reports are those of the groups
 * with a port), how many of the ports' property entries each namespace has (the namespaces no
 * module claims), and the bytes of the ports' properties (the host's property limit).
 */
final class PortTally {
  /** Ports per port group id; groups without ports left out. */
  private final Map<String, Integer> groups;

  /** The ports' property entries per namespace; namespaces without entries left out. */
  private final Map<String, Integer> namespaces;

  /** {@link PropertyRules#bytes} of the ports' properties. */
  private final long portBytes;

  private PortTally(Map<String, Integer> groups, Map<String, Integer> namespaces, long portBytes) {
    this.groups = Collections.unmodifiableMap(groups);
    this.namespaces = Collections.unmodifiableMap(namespaces);
    this.portBytes = portBytes;
  }

  /** The tally of state's ports, counted. */
  static PortTally of(HostSwitchState state) {
    Map<String, Integer> groups = new HashMap<>();
    Map<String, Integer> namespaces = new HashMap<>();
    long bytes = 0;
    for (Port port : state.getPortsList()) {
      groups.merge(port.getPortGroupId(), 1, Integer::sum);
      bytes += count(namespaces, port, 1);
    }
    return new PortTally(groups, namespaces, bytes);
  }

  /**
   * The tally of the state changes leads to, from this tally of the state they were found against;
   * changes must compare ports (not {@link PortChanges#whole()}).
   */
  PortTally after(PortChanges changes) {
    if (changes.whole()) {
      throw new IllegalArgumentException("changes without a state before them");
    }
    if (changes.isEmpty()) {
      return this;
    }
    Map<String, Integer> nextGroups = new HashMap<>(groups);
    Map<String, Integer> nextNamespaces = new HashMap<>(namespaces);
    long bytes = portBytes;
    for (Port port : changes.removed()) {
      nextGroups.merge(port.getPortGroupId(), -1, Integer::sum);
      bytes -= count(nextNamespaces, port, -1);
    }
    for (Port port : changes.changed()) {
      Port before = changes.before().get(port.getKey());
      if (before != null) {
        nextGroups.merge(before.getPortGroupId(), -1, Integer::sum);
        bytes -= count(nextNamespaces, before, -1);
      }
      nextGroups.merge(port.getPortGroupId(), 1, Integer::sum);
      bytes += count(nextNamespaces, port, 1);
    }
    nextGroups.values().removeIf(n -> n <= 0);
    nextNamespaces.values().removeIf(n -> n <= 0);
    return new PortTally(nextGroups, nextNamespaces, bytes);
  }

  /** Adds sign per property entry of port to namespaces; returns the entries' bytes. */
  private static long count(Map<String, Integer> namespaces, Port port, int sign) {
    List<PropertyEntry> entries = port.getPropertiesList();
    for (PropertyEntry e : entries) {
      namespaces.merge(e.getNamespace(), sign, Integer::sum);
    }
    return PropertyRules.bytes(entries);
  }

  /** The logical networks state realizes, state being the one tallied. */
  List<String> realized(HostSwitchState state) {
    return LogicalNetworks.realized(state, groups.keySet());
  }

  /** {@link PropertyResolver#namespaces}(state), state being the one tallied. */
  SortedSet<String> namespaces(HostSwitchState state) {
    SortedSet<String> out = PropertyResolver.namespacesOutsidePorts(state);
    out.addAll(namespaces.keySet());
    return Collections.unmodifiableSortedSet(out);
  }

  /** {@link PropertyRules#bytes}(state), state being the one tallied. */
  long propertyBytes(HostSwitchState state) {
    return PropertyRules.bytesOutsidePorts(state) + portBytes;
  }

  /** The port count of each port group with ports (for tests). */
  Map<String, Integer> groups() {
    return groups;
  }

  /** Equal when counting the same ports: {@link AppliedSwitch}'s equality stays its state's. */
  @Override
  public boolean equals(Object o) {
    return o instanceof PortTally t
        && portBytes == t.portBytes
        && groups.equals(t.groups)
        && namespaces.equals(t.namespaces);
  }

  @Override
  public int hashCode() {
    return Objects.hash(groups, namespaces, portBytes);
  }

  @Override
  public String toString() {
    return "PortTally[groups="
        + groups
        + ", namespaces="
        + namespaces
        + ", portBytes="
        + portBytes
        + "]";
  }
}
