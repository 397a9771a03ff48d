package io.switchplane.common.validation;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.properties.PropertyRules;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/** Checks a final host state as an agent receives it: self-contained and consistent. */
public final class HostStateValidator {
  private HostStateValidator() {}

  /**
   * INVALID_ARGUMENT when a uint64 generation of a request is 2^63 or more: read as a Java long it
   * is negative, and would be compared and stored as one. 0 passes (it means "none" in places).
   */
  public static void validateGeneration(long generation, String field) {
    if (generation < 0) {
      throw invalid(
          "%s %s is outside 0-%d", field, Long.toUnsignedString(generation), Long.MAX_VALUE);
    }
  }

  /** INVALID_ARGUMENT unless state, all of it, is a valid final host state. */
  public static void validate(HostSwitchState state) {
    if (validateHeader(state)) {
      validatePorts(state, groups(state));
    }
  }

  /**
   * INVALID_ARGUMENT unless next is a valid final host state, checking only what changes tells
   * differs from previous, a state this method or {@link #validate} accepted before: the ports of
   * changes.changed() one by one, and the rules across ports (one key once, a NIC one port, the
   * property bytes of the host) for what they change. Everything is checked again when the ports
   * cannot be compared (changes.whole(), a list out of key order), when the host changed, or when
   * the DVS settings or a port group changed (a port's checks depend on them).
   *
   * @param changes {@link PortChanges#between}(previous, next)
   */
  public static void validateChange(
      HostSwitchState previous, HostSwitchState next, PortChanges changes) {
    validateChange(previous, next, changes, () -> PropertyRules.bytes(previous));
  }

  /**
   * As {@link #validateChange(HostSwitchState, HostSwitchState, PortChanges)}, from previous's
   * property bytes as the caller keeps them (asked for only when what changed is checked).
   *
   * @param previousBytes {@link PropertyRules#bytes}(previous)
   */
  public static void validateChange(
      HostSwitchState previous,
      HostSwitchState next,
      PortChanges changes,
      LongSupplier previousBytes) {
    if (!validateHeader(next)) {
      return;
    }
    Map<String, PortGroup> groups = groups(next);
    if (previous == null
        || !previous.getMember()
        || changes.whole()
        || !changes.ordered()
        || !previous.getHostId().equals(next.getHostId())
        || !previous.getDvs().toBuilder()
            .clearGeneration()
            .build()
            .equals(next.getDvs().toBuilder().clearGeneration().build())
        || !previous.getPortGroupsList().equals(next.getPortGroupsList())) {
      validatePorts(next, groups);
      return;
    }
    for (Port port : changes.changed()) {
      validatePort(next, groups, port);
    }
    // A NIC is one port: only a changed port can claim the NIC of another.
    boolean nics = false;
    for (Port port : changes.changed()) {
      nics |= port.getConnectee().hasUplinkNic();
    }
    if (nics) {
      uplinkNics(next.getPortsList());
    }
    long bytes = previousBytes.getAsLong();
    for (Port port : changes.removed()) {
      bytes -= PropertyRules.bytes(port.getPropertiesList());
    }
    for (Port port : changes.changed()) {
      Port was = changes.before().get(port.getKey());
      bytes +=
          PropertyRules.bytes(port.getPropertiesList())
              - (was == null ? 0 : PropertyRules.bytes(was.getPropertiesList()));
    }
    checkBytes(next, bytes);
  }

  /** The checks of the state without its ports; false when it removes the switch (nothing else). */
  private static boolean validateHeader(HostSwitchState state) {
    if (state.getHostId().isEmpty()) {
      throw invalid("host state without a host id");
    }
    if (!state.hasDvs() || state.getDvs().getId().isEmpty()) {
      throw invalid("host state without a DVS id");
    }
    long generation = state.getDvs().getGeneration();
    if (generation <= 0) { // uint64 on the wire: from 2^63 on it reads negative here
      throw invalid(
          "host state of DVS %s has generation %s; generations run from 1 to %d",
          state.getDvs().getId(), Long.toUnsignedString(generation), Long.MAX_VALUE);
    }
    if (!state.getMember()) {
      if (state.getPortsCount() > 0) {
        throw invalid(
            "host state of DVS %s removes the switch but still lists %d ports",
            state.getDvs().getId(), state.getPortsCount());
      }
      return false;
    }
    ModelValidator.validateDvsSettings(state.getDvs());
    PropertyRules.validateEntries(
        "DVS " + state.getDvs().getId(), state.getDvs().getPropertiesList());
    for (var m : state.getDvs().getMembersList()) {
      PropertyRules.validateEntries("host " + m.getHostId(), m.getPropertiesList());
    }
    return true;
  }

  /** The port groups of state by id, each checked (an id twice is refused). */
  private static Map<String, PortGroup> groups(HostSwitchState state) {
    Map<String, PortGroup> groups = new HashMap<>();
    for (PortGroup pg : state.getPortGroupsList()) {
      if (groups.put(pg.getId(), pg) != null) {
        throw invalid("host state lists port group %s twice", pg.getId());
      }
      ModelValidator.validatePortGroup(state.getDvs(), pg);
      PropertyRules.validateEntries("port group " + pg.getId(), pg.getPropertiesList());
    }
    return groups;
  }

  /** Every port of state, one by one and across ports. */
  private static void validatePorts(HostSwitchState state, Map<String, PortGroup> groups) {
    Set<String> keys = new HashSet<>();
    for (Port port : state.getPortsList()) {
      if (!keys.add(port.getKey())) {
        throw invalid("host state lists port %s twice", port.getKey());
      }
      validatePort(state, groups, port);
    }
    uplinkNics(state.getPortsList());
    checkBytes(state, PropertyRules.bytes(state));
  }

  /** INVALID_ARGUMENT when two ports are the NIC of one uplink. */
  private static void uplinkNics(List<Port> ports) {
    Map<String, String> uplinkNics = new HashMap<>();
    for (Port port : ports) {
      if (port.getConnectee().hasUplinkNic()) {
        String other =
            uplinkNics.putIfAbsent(port.getConnectee().getUplinkNic().getUplink(), port.getKey());
        if (other != null) {
          throw invalid(
              "ports %s and %s are both the NIC of uplink %s; a NIC is one port",
              other, port.getKey(), port.getConnectee().getUplinkNic().getUplink());
        }
      }
    }
  }

  /** The checks of one port of state on its own. */
  private static void validatePort(
      HostSwitchState state, Map<String, PortGroup> groups, Port port) {
    PortGroup pg = groups.get(port.getPortGroupId());
    if (pg == null) {
      throw invalid(
          "port %s refers to port group %s, which the host state does not carry",
          port.getKey(), port.getPortGroupId());
    }
    if (!port.getHostId().equals(state.getHostId())) {
      throw invalid(
          "port %s is placed on host %s, not on this host %s",
          port.getKey(), port.getHostId(), state.getHostId());
    }
    ModelValidator.validatePort(state.getDvs(), pg, port);
    PropertyRules.validateEntries("port " + port.getKey(), port.getPropertiesList());
  }

  private static void checkBytes(HostSwitchState state, long bytes) {
    if (bytes > PropertyRules.MAX_BYTES_PER_HOST_STATE) {
      throw invalid(
          "host state of DVS %s carries %,d bytes of properties, the limit is %,d",
          state.getDvs().getId(), bytes, PropertyRules.MAX_BYTES_PER_HOST_STATE);
    }
  }
}
