package io.switchplane.common.model;

import io.switchplane.api.v1.Port;
import java.util.List;

/**
 * Where a port lives while it may be on its way to another host. A port is one record with one key:
 * {@code host_id} is the host where it forwards; while a migration is prepared ({@code
 * Port.migration} set) the standby host holds a copy with the same key, MAC and policy, whose
 * {@code host_id} names the standby host and which is blocked whatever its policy says. The copy is
 * derived, never stored: a migration that is undone only clears the field.
 */
public final class PortPlacement {
  private PortPlacement() {}

  /** The hosts that hold port (its host, then its standby host), without empty ids. */
  public static List<String> hosts(Port port) {
    String standby = standbyHost(port);
    if (port.getHostId().isEmpty()) {
      return standby.isEmpty() ? List.of() : List.of(standby);
    }
    return standby.isEmpty() || standby.equals(port.getHostId())
        ? List.of(port.getHostId())
        : List.of(port.getHostId(), standby);
  }

  /** The host holding port's standby copy, "" when the port is not being moved. */
  public static String standbyHost(Port port) {
    return port.hasMigration() ? port.getMigration().getStandbyHostId() : "";
  }

  /** The copy of port that its standby host holds. */
  public static Port standbyCopy(Port port) {
    return port.toBuilder().setHostId(standbyHost(port)).build();
  }

  /** Whether port, as a host holds it, is a standby copy (and so blocked). */
  public static boolean isStandby(Port port) {
    return port.hasMigration()
        && !port.getHostId().isEmpty()
        && port.getMigration().getStandbyHostId().equals(port.getHostId());
  }
}
