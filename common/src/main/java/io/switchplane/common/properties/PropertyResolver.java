package io.switchplane.common.properties;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyEntry;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The one definition of property inheritance, used by the manager (GetProperties --effective) and
 * the agent (what modules receive): per key, the nearest level with an entry wins (port, else port
 * group, else DVS); an unset marker at a level means "no value" and stops the walk. Host-level
 * properties inherit nothing. Entities without any effective value are left out.
 */
public final class PropertyResolver {
  private PropertyResolver() {}

  /** An effective value and the level it comes from. */
  public record Resolved(ByteString value, EntityKind level) {}

  /** One level of the chain: its kind and its entries. */
  public record Level(EntityKind kind, List<PropertyEntry> entries) {}

  /** Resolves levels given nearest first. */
  public static SortedMap<PropertyKey, Resolved> resolve(List<Level> nearestFirst) {
    Map<PropertyKey, Resolved> decided = new HashMap<>();
    java.util.Set<PropertyKey> seen = new java.util.HashSet<>();
    for (Level level : nearestFirst) {
      for (PropertyEntry e : level.entries()) {
        PropertyKey k = PropertyKey.of(e);
        if (!seen.add(k)) {
          continue; // a nearer level decided this key already
        }
        if (e.hasUnset()) {
          continue; // explicitly unset: no value, and nothing further up counts
        }
        decided.put(k, new Resolved(e.getValue(), level.kind()));
      }
    }
    return new TreeMap<>(decided);
  }

  public static SortedMap<PropertyKey, Resolved> forPort(Dvs dvs, PortGroup pg, Port port) {
    return resolve(
        List.of(
            new Level(EntityKind.ENTITY_KIND_PORT, port.getPropertiesList()),
            new Level(EntityKind.ENTITY_KIND_PORT_GROUP, pg.getPropertiesList()),
            new Level(EntityKind.ENTITY_KIND_DVS, dvs.getPropertiesList())));
  }

  public static SortedMap<PropertyKey, Resolved> forPortGroup(Dvs dvs, PortGroup pg) {
    return resolve(
        List.of(
            new Level(EntityKind.ENTITY_KIND_PORT_GROUP, pg.getPropertiesList()),
            new Level(EntityKind.ENTITY_KIND_DVS, dvs.getPropertiesList())));
  }

  /** A level on its own (the DVS, a host): its values, unset markers dropped. */
  public static SortedMap<PropertyKey, Resolved> own(EntityKind kind, List<PropertyEntry> entries) {
    return resolve(List.of(new Level(kind, entries)));
  }

  /**
   * The effective values of every entity of a host state: the DVS, each port group, each port and
   * the host; entities with no value are left out. A removed switch (member=false) has none.
   */
  public static SortedMap<Entity, SortedMap<PropertyKey, ByteString>> effectiveAll(
      HostSwitchState s) {
    SortedMap<Entity, SortedMap<PropertyKey, ByteString>> out = new TreeMap<>();
    if (!s.getMember() || !hasAny(s)) {
      return out;
    }
    Dvs dvs = s.getDvs();
    put(out, Entity.dvs(dvs.getId()), own(EntityKind.ENTITY_KIND_DVS, dvs.getPropertiesList()));
    for (HostMember m : dvs.getMembersList()) {
      put(out, Entity.host(m.getHostId()), own(EntityKind.ENTITY_KIND_HOST, m.getPropertiesList()));
    }
    Map<String, PortGroup> groups = new HashMap<>();
    for (PortGroup pg : s.getPortGroupsList()) {
      groups.put(pg.getId(), pg);
      put(out, Entity.portGroup(pg.getId()), forPortGroup(dvs, pg));
    }
    for (Port p : s.getPortsList()) {
      PortGroup pg = groups.getOrDefault(p.getPortGroupId(), PortGroup.getDefaultInstance());
      put(out, Entity.port(p.getKey()), forPort(dvs, pg, p));
    }
    return out;
  }

  /**
   * The effective values of ports, each a port of s, as {@link #effectiveAll} has them: for a
   * caller that knows no other entity's values changed (the cost follows the ports given, not the
   * switch).
   */
  public static SortedMap<Entity, SortedMap<PropertyKey, ByteString>> effectiveOfPorts(
      HostSwitchState s, Collection<Port> ports) {
    SortedMap<Entity, SortedMap<PropertyKey, ByteString>> out = new TreeMap<>();
    if (!s.getMember() || ports.isEmpty()) {
      return out;
    }
    Map<String, PortGroup> groups = new HashMap<>();
    for (PortGroup pg : s.getPortGroupsList()) {
      groups.put(pg.getId(), pg);
    }
    for (Port p : ports) {
      PortGroup pg = groups.getOrDefault(p.getPortGroupId(), PortGroup.getDefaultInstance());
      put(out, Entity.port(p.getKey()), forPort(s.getDvs(), pg, p));
    }
    return out;
  }

  /** Every namespace the state mentions (values and unset markers), sorted. */
  public static SortedSet<String> namespaces(HostSwitchState s) {
    SortedSet<String> out = new TreeSet<>(namespacesOutsidePorts(s));
    s.getPortsList().forEach(p -> p.getPropertiesList().forEach(e -> out.add(e.getNamespace())));
    return Collections.unmodifiableSortedSet(out);
  }

  /**
   * The namespaces the state's DVS, hosts and port groups mention (its ports left out), sorted: a
   * new, modifiable set the caller may add to.
   */
  public static SortedSet<String> namespacesOutsidePorts(HostSwitchState s) {
    SortedSet<String> out = new TreeSet<>();
    s.getDvs().getPropertiesList().forEach(e -> out.add(e.getNamespace()));
    s.getDvs()
        .getMembersList()
        .forEach(m -> m.getPropertiesList().forEach(e -> out.add(e.getNamespace())));
    s.getPortGroupsList()
        .forEach(pg -> pg.getPropertiesList().forEach(e -> out.add(e.getNamespace())));
    return out;
  }

  private static boolean hasAny(HostSwitchState s) {
    if (s.getDvs().getPropertiesCount() > 0) {
      return true;
    }
    for (HostMember m : s.getDvs().getMembersList()) {
      if (m.getPropertiesCount() > 0) {
        return true;
      }
    }
    for (PortGroup pg : s.getPortGroupsList()) {
      if (pg.getPropertiesCount() > 0) {
        return true;
      }
    }
    for (Port p : s.getPortsList()) {
      if (p.getPropertiesCount() > 0) {
        return true;
      }
    }
    return false;
  }

  private static void put(
      SortedMap<Entity, SortedMap<PropertyKey, ByteString>> out,
      Entity entity,
      SortedMap<PropertyKey, Resolved> resolved) {
    if (resolved.isEmpty()) {
      return;
    }
    SortedMap<PropertyKey, ByteString> values = new TreeMap<>();
    resolved.forEach((k, r) -> values.put(k, r.value()));
    out.put(entity, Collections.unmodifiableSortedMap(values));
  }
}
