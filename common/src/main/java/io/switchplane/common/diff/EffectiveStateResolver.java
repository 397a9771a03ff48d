package io.switchplane.common.diff;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.model.PolicyResolver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolves the effective ports of a host switch state incrementally: a port is resolved again only
 * when its own message, its port group or the DVS settings changed (for an uplink NIC port also the
 * members' uplink NIC mapping, which names its NIC); otherwise the current {@link EffectivePort}
 * object is reused. The number of resolutions (the expensive part, and what the backend will be
 * asked to do) therefore follows what changed, not the size of the host switch.
 */
public final class EffectiveStateResolver {
  private EffectiveStateResolver() {}

  /**
   * The effective ports of next and how many of them had to be resolved.
   *
   * @param touched the keys whose effective port may differ from the previous one (resolved again
   *     or removed); null when any may (everything was compared)
   */
  public record Result(
      Map<String, EffectivePort> ports, int resolutions, Collection<String> touched) {
    Result(Map<String, EffectivePort> ports, int resolutions) {
      this(ports, resolutions, null);
    }
  }

  /** Resolves every port of a state from scratch. */
  public static Map<String, EffectivePort> resolveAll(HostSwitchState state) {
    return resolve(null, Map.of(), state).ports();
  }

  /**
   * As {@link #resolve(HostSwitchState, Map, HostSwitchState)}, told which ports differ: when the
   * DVS settings, the port groups and the members' NICs are as before, only changes' ports are
   * resolved (no port compared again), {@link Result#touched()} names them, and the ports are an
   * immutable {@link LayeredMap} sharing previousPorts' entries (no whole copy per apply).
   *
   * @param changes {@link PortChanges#between}(previous, next)
   */
  public static Result resolve(
      HostSwitchState previous,
      Map<String, EffectivePort> previousPorts,
      HostSwitchState next,
      PortChanges changes) {
    if (!next.getMember()
        || previous == null
        || !previous.getMember()
        || changes.whole()
        || !sameSettings(previous.getDvs(), next.getDvs())
        || !previous.getPortGroupsList().equals(next.getPortGroupsList())
        || !uplinkNics(previous.getDvs()).equals(uplinkNics(next.getDvs()))) {
      return resolve(previous, previousPorts, next);
    }
    Map<String, PortGroup> groups = new HashMap<>();
    for (PortGroup pg : next.getPortGroupsList()) {
      groups.put(pg.getId(), pg);
    }
    List<String> removed = new ArrayList<>(changes.removed().size());
    for (Port port : changes.removed()) {
      removed.add(port.getKey());
    }
    Map<String, EffectivePort> resolved = new HashMap<>();
    for (Port port : changes.changed()) {
      resolved.put(
          port.getKey(), PolicyResolver.effectivePort(next.getDvs(), group(groups, port), port));
    }
    List<String> touched = new ArrayList<>(removed);
    touched.addAll(resolved.keySet());
    // The previous ports are shared, not copied: the copy would cost the whole switch.
    return new Result(
        LayeredMap.of(previousPorts).with(resolved, removed), changes.changed().size(), touched);
  }

  private static PortGroup group(Map<String, PortGroup> groups, Port port) {
    PortGroup pg = groups.get(port.getPortGroupId());
    if (pg == null) {
      throw new IllegalArgumentException(
          "port "
              + port.getKey()
              + " refers to port group "
              + port.getPortGroupId()
              + " missing from the state");
    }
    return pg;
  }

  /**
   * Resolves next, reusing entries of previousPorts (the effective ports of previous) where nothing
   * they depend on changed. previous may be null (nothing applied yet).
   */
  public static Result resolve(
      HostSwitchState previous, Map<String, EffectivePort> previousPorts, HostSwitchState next) {
    Map<String, PortGroup> groups = new HashMap<>();
    for (PortGroup pg : next.getPortGroupsList()) {
      groups.put(pg.getId(), pg);
    }
    Map<String, EffectivePort> out = new HashMap<>(next.getPortsCount() * 2);
    if (!next.getMember()) {
      return new Result(out, 0);
    }
    boolean reuse =
        previous != null && previous.getMember() && sameSettings(previous.getDvs(), next.getDvs());
    Map<String, Port> previousByKey = new HashMap<>();
    Set<String> changedGroups = new HashSet<>();
    if (reuse) {
      for (Port p : previous.getPortsList()) {
        previousByKey.put(p.getKey(), p);
      }
      Map<String, PortGroup> previousGroups = new HashMap<>();
      for (PortGroup pg : previous.getPortGroupsList()) {
        previousGroups.put(pg.getId(), pg);
      }
      for (PortGroup pg : next.getPortGroupsList()) {
        if (!pg.equals(previousGroups.get(pg.getId()))) {
          changedGroups.add(pg.getId());
        }
      }
    }
    boolean nicsChanged = reuse && !uplinkNics(previous.getDvs()).equals(uplinkNics(next.getDvs()));
    int resolutions = 0;
    for (Port port : next.getPortsList()) {
      EffectivePort kept = reuse ? previousPorts.get(port.getKey()) : null;
      if (kept != null
          && port.equals(previousByKey.get(port.getKey()))
          && !changedGroups.contains(port.getPortGroupId())
          && !(nicsChanged && port.getConnectee().hasUplinkNic())) {
        out.put(port.getKey(), kept);
        continue;
      }
      out.put(
          port.getKey(), PolicyResolver.effectivePort(next.getDvs(), group(groups, port), port));
      resolutions++;
    }
    return new Result(out, resolutions);
  }

  /** Each member's uplink NIC mapping (not its properties, which resolve no port). */
  private static Map<String, Map<String, String>> uplinkNics(Dvs dvs) {
    Map<String, Map<String, String>> out = new HashMap<>();
    for (HostMember m : dvs.getMembersList()) {
      out.put(m.getHostId(), m.getUplinkNicsMap());
    }
    return out;
  }

  /** Whether two DVS records resolve ports the same way (generation and members aside). */
  static boolean sameSettings(Dvs a, Dvs b) {
    return a.getId().equals(b.getId())
        && a.getMtu() == b.getMtu()
        && a.getUplinksList().equals(b.getUplinksList())
        && a.getDefaultPolicy().equals(b.getDefaultPolicy());
  }
}
