package io.switchplane.manager.model;

import static io.switchplane.common.error.SwitchplaneException.notFound;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.ModelValidator;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * How the manager finds the port group, port or member host an operator names, in a stored
 * configuration or in one being planned: one place for the id-or-name rules and their NOT_FOUND
 * messages, which the CLI and its users read. Empty references are the caller's to refuse (each
 * says which field is missing in its own words).
 */
public final class ConfigLookup {
  private ConfigLookup() {}

  /** The port group with this id, else this name; NOT_FOUND otherwise. */
  public static PortGroup portGroup(DvsConfig c, String ref) {
    return c.findPortGroup(ref).orElseThrow(() -> portGroupNotFound(ref, c.dvs()));
  }

  /** As {@link #portGroup(DvsConfig, String)}, in a configuration being planned. */
  public static PortGroup portGroup(DvsConfig.Builder b, String ref) {
    PortGroup byId = b.portGroups().get(ref);
    if (byId != null) {
      return byId;
    }
    // The builder keeps no name index: ops add, rename and delete groups as they go.
    for (PortGroup pg : b.portGroups().values()) {
      if (pg.getName().equals(ref)) {
        return pg;
      }
    }
    throw portGroupNotFound(ref, b.dvs());
  }

  /** The port with this key; NOT_FOUND otherwise. */
  public static Port port(DvsConfig c, String key) {
    return port(c.ports(), c.dvs(), key);
  }

  /** As {@link #port(DvsConfig, String)}, in a configuration being planned. */
  public static Port port(DvsConfig.Builder b, String key) {
    return port(b.ports(), b.dvs(), key);
  }

  /**
   * The id of the host ref names: a member's id as given (so a member is found even when the
   * registry no longer resolves it), else the id of the registered host with that id or name.
   *
   * @param registered the registered host by id or name, NOT_FOUND (in the caller's words)
   *     otherwise
   */
  public static String hostId(DvsConfig c, String ref, Function<String, Host> registered) {
    return hostId(id -> ModelValidator.isMember(c.dvs(), id), ref, registered);
  }

  /** As {@link #hostId(DvsConfig, String, Function)}, with membership answered by isMember. */
  public static String hostId(
      Predicate<String> isMember, String ref, Function<String, Host> registered) {
    return isMember.test(ref) ? ref : registered.apply(ref).getId();
  }

  /** The member host ref names (see {@link #hostId}); NOT_FOUND when that host is not a member. */
  public static HostMember member(DvsConfig c, String ref, Function<String, Host> registered) {
    return c.member(hostId(c, ref, registered)).orElseThrow(() -> notMember(ref, c.dvs()));
  }

  /**
   * As {@link #member}, the member's id, with membership answered by isMember (a set, in planning).
   */
  public static String memberId(
      Predicate<String> isMember, Dvs dvs, String ref, Function<String, Host> registered) {
    String id = hostId(isMember, ref, registered);
    if (!isMember.test(id)) {
      throw notMember(ref, dvs);
    }
    return id;
  }

  /** NOT_FOUND: the host (as the operator named it) is not a member of dvs. */
  public static SwitchplaneException notMember(String host, Dvs dvs) {
    return notFound("host '%s' is not a member of DVS '%s'", host, dvs.getName());
  }

  private static Port port(Map<String, Port> ports, Dvs dvs, String key) {
    Port p = ports.get(key);
    if (p == null) {
      throw notFound("port '%s' not found in DVS '%s'", key, dvs.getName());
    }
    return p;
  }

  private static SwitchplaneException portGroupNotFound(String ref, Dvs dvs) {
    return notFound("port group '%s' not found in DVS '%s'", ref, dvs.getName());
  }
}
