package io.switchplane.common.properties;

import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.EntityRef;
import java.util.Comparator;

/**
 * An entity of one DVS that properties attach to, with its id resolved: the DVS id, a port group
 * id, a port key or a host id. Ordered by kind, then id.
 */
public record Entity(EntityKind kind, String id) implements Comparable<Entity> {
  private static final Comparator<Entity> ORDER =
      Comparator.comparing(Entity::kind).thenComparing(Entity::id);

  public static Entity dvs(String dvsId) {
    return new Entity(EntityKind.ENTITY_KIND_DVS, dvsId);
  }

  public static Entity portGroup(String pgId) {
    return new Entity(EntityKind.ENTITY_KIND_PORT_GROUP, pgId);
  }

  public static Entity port(String key) {
    return new Entity(EntityKind.ENTITY_KIND_PORT, key);
  }

  public static Entity host(String hostId) {
    return new Entity(EntityKind.ENTITY_KIND_HOST, hostId);
  }

  public EntityRef toRef() {
    return EntityRef.newBuilder().setKind(kind).setId(id).build();
  }

  @Override
  public int compareTo(Entity o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return label(kind) + " " + id;
  }

  /** "DVS", "port group", "port", "host". */
  public static String label(EntityKind kind) {
    return switch (kind) {
      case ENTITY_KIND_DVS -> "DVS";
      case ENTITY_KIND_PORT_GROUP -> "port group";
      case ENTITY_KIND_PORT -> "port";
      case ENTITY_KIND_HOST -> "host";
      default -> kind.name();
    };
  }
}
