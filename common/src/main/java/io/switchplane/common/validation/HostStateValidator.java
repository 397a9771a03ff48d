package io.switchplane.common.validation;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.properties.PropertyRules;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

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

  public static void validate(HostSwitchState state) {
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
      return;
    }
    ModelValidator.validateDvsSettings(state.getDvs());
    PropertyRules.validateEntries(
        "DVS " + state.getDvs().getId(), state.getDvs().getPropertiesList());
    for (var m : state.getDvs().getMembersList()) {
      PropertyRules.validateEntries("host " + m.getHostId(), m.getPropertiesList());
    }
    Map<String, PortGroup> groups = new HashMap<>();
    for (PortGroup pg : state.getPortGroupsList()) {
      if (groups.put(pg.getId(), pg) != null) {
        throw invalid("host state lists port group %s twice", pg.getId());
      }
      ModelValidator.validatePortGroup(state.getDvs(), pg);
      PropertyRules.validateEntries("port group " + pg.getId(), pg.getPropertiesList());
    }
    Set<String> keys = new HashSet<>();
    Map<String, String> uplinkNics = new HashMap<>();
    for (Port port : state.getPortsList()) {
      if (!keys.add(port.getKey())) {
        throw invalid("host state lists port %s twice", port.getKey());
      }
      if (port.getConnectee().hasUplinkNic()) {
        String other =
            uplinkNics.putIfAbsent(port.getConnectee().getUplinkNic().getUplink(), port.getKey());
        if (other != null) {
          throw invalid(
              "ports %s and %s are both the NIC of uplink %s; a NIC is one port",
              other, port.getKey(), port.getConnectee().getUplinkNic().getUplink());
        }
      }
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
    long bytes = PropertyRules.bytes(state);
    if (bytes > PropertyRules.MAX_BYTES_PER_HOST_STATE) {
      throw invalid(
          "host state of DVS %s carries %,d bytes of properties, the limit is %,d",
          state.getDvs().getId(), bytes, PropertyRules.MAX_BYTES_PER_HOST_STATE);
    }
  }
}
