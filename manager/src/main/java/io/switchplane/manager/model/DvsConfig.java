package io.switchplane.manager.model;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.model.LogicalNetworks;
import io.switchplane.common.model.PortPlacement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The desired configuration of one DVS at one generation: the DVS record, its port groups and its
 * ports, with lookups by name and by host. Immutable; a change set produces a new one through
 * {@link #toBuilder()}.
 */
public final class DvsConfig {
  private final Dvs dvs;
  private final Map<String, PortGroup> portGroups;
  private final Map<String, Port> ports;
  private final Map<String, List<Port>> portsByHost;
  private final Map<String, String> portGroupIdsByName;

  private DvsConfig(Dvs dvs, Map<String, PortGroup> portGroups, Map<String, Port> ports) {
    this.dvs = dvs;
    this.portGroups = Collections.unmodifiableMap(portGroups);
    this.ports = Collections.unmodifiableMap(ports);
    Map<String, List<Port>> byHost = new HashMap<>();
    for (Port p : ports.values()) {
      if (!p.getHostId().isEmpty()) {
        byHost.computeIfAbsent(p.getHostId(), h -> new ArrayList<>()).add(p);
      }
      String standby = PortPlacement.standbyHost(p);
      if (!standby.isEmpty()) {
        byHost.computeIfAbsent(standby, h -> new ArrayList<>()).add(PortPlacement.standbyCopy(p));
      }
    }
    this.portsByHost = byHost;
    Map<String, String> byName = new HashMap<>();
    for (PortGroup pg : portGroups.values()) {
      byName.put(pg.getName(), pg.getId());
    }
    this.portGroupIdsByName = byName;
  }

  /**
   * The config of these records, as read (store, snapshot, agent copy): a port group stored before
   * logical network ids existed gets its derived one ({@link LogicalNetworks#withId}).
   */
  public static DvsConfig of(Dvs dvs, Map<String, PortGroup> portGroups, Map<String, Port> ports) {
    Map<String, PortGroup> groups = new LinkedHashMap<>();
    portGroups.forEach((id, pg) -> groups.put(id, LogicalNetworks.withId(pg)));
    return new DvsConfig(dvs, groups, new LinkedHashMap<>(ports));
  }

  public Dvs dvs() {
    return dvs;
  }

  public String id() {
    return dvs.getId();
  }

  public long generation() {
    return dvs.getGeneration();
  }

  /**
   * The generation at which deleting this DVS removes it from the hosts still members: one above
   * its last, the last generation of its id that any host can hold.
   */
  public long removalGeneration() {
    return generation() + 1;
  }

  /** Port groups by id. */
  public Map<String, PortGroup> portGroups() {
    return portGroups;
  }

  /** Ports by key. */
  public Map<String, Port> ports() {
    return ports;
  }

  /**
   * The ports placed on a host (empty when none), with the standby copies of ports being migrated
   * to it ({@link PortPlacement}).
   */
  public List<Port> portsOnHost(String hostId) {
    return Collections.unmodifiableList(portsByHost.getOrDefault(hostId, List.of()));
  }

  /** A port group by id, else by name. */
  public Optional<PortGroup> findPortGroup(String idOrName) {
    PortGroup byId = portGroups.get(idOrName);
    if (byId != null) {
      return Optional.of(byId);
    }
    String id = portGroupIdsByName.get(idOrName);
    return id == null ? Optional.empty() : Optional.ofNullable(portGroups.get(id));
  }

  public Optional<HostMember> member(String hostId) {
    for (HostMember m : dvs.getMembersList()) {
      if (m.getHostId().equals(hostId)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  public Builder toBuilder() {
    return new Builder(dvs, new LinkedHashMap<>(portGroups), new LinkedHashMap<>(ports));
  }

  /**
   * A mutable copy, used while a change set is planned; {@link #build()} hands its maps over, once.
   */
  public static final class Builder {
    private boolean built;
    private Dvs dvs;
    private final Map<String, PortGroup> portGroups;
    private final Map<String, Port> ports;

    private Builder(Dvs dvs, Map<String, PortGroup> portGroups, Map<String, Port> ports) {
      this.dvs = dvs;
      this.portGroups = portGroups;
      this.ports = ports;
    }

    public Dvs dvs() {
      return dvs;
    }

    public Builder dvs(Dvs newDvs) {
      this.dvs = newDvs;
      return this;
    }

    public Map<String, PortGroup> portGroups() {
      return portGroups;
    }

    public Map<String, Port> ports() {
      return ports;
    }

    /**
     * The new configuration. The builder gives its maps away (no copy), so it cannot be used again.
     */
    public DvsConfig build() {
      if (built) {
        throw new IllegalStateException(
            "DvsConfig.Builder.build() was already called; take a new toBuilder()");
      }
      built = true;
      return new DvsConfig(dvs, portGroups, ports);
    }
  }
}
