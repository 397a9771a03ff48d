package io.switchplane.manager.changeset;

import io.switchplane.api.v1.Port;
import java.util.HashMap;
import java.util.Map;

/**
 * Which port is each host's NIC of each uplink during one planning run, so that no two ports claim
 * one NIC (a host switch cannot attach a NIC twice). Built by one pass over the ports on the first
 * uplink NIC port a change set writes, then kept up to date as ops apply; change sets without
 * uplink NIC ports never pay for it.
 */
final class UplinkNicIndex {
  private final Map<String, Port> ports;
  private Map<String, String> owners;

  /** An index over ports (the planner's live map, by key). */
  UplinkNicIndex(Map<String, Port> ports) {
    this.ports = ports;
  }

  /** The key of the port that is hostId's NIC of uplink, or null. */
  String owner(String hostId, String uplink) {
    if (owners == null) {
      owners = new HashMap<>();
      for (Port p : ports.values()) {
        added(p);
      }
    }
    return owners.get(slot(hostId, uplink));
  }

  /** A port was put into the map (new, or replacing one whose removal was reported). */
  void added(Port p) {
    if (owners != null && p.getConnectee().hasUplinkNic()) {
      owners.put(slot(p), p.getKey());
    }
  }

  /** A port left the map, or was replaced. */
  void removed(Port p) {
    if (owners != null && p.getConnectee().hasUplinkNic()) {
      owners.remove(slot(p), p.getKey());
    }
  }

  private static String slot(Port p) {
    return slot(p.getHostId(), p.getConnectee().getUplinkNic().getUplink());
  }

  private static String slot(String hostId, String uplink) {
    return hostId + "\0" + uplink;
  }
}
