package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.model.PortPlacement;
import io.switchplane.manager.model.DvsConfig;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Stage: which member hosts' final state may have changed between two configurations of one DVS,
 * without building any host state. Protobuf messages compare by identity first, and a change set
 * copies the untouched port and port-group messages by reference, so walking the maps costs little
 * more than the changes themselves.
 */
public final class AffectedHosts {
  private AffectedHosts() {}

  /**
   * The outcome.
   *
   * @param changed members of the new configuration whose final state may differ: build and push
   * @param left hosts that were members before and are not any more: push them a tombstone
   */
  public record Result(Set<String> changed, Set<String> left) {
    public Result {
      changed = Collections.unmodifiableSet(changed);
      left = Collections.unmodifiableSet(left);
    }

    public boolean isEmpty() {
      return changed.isEmpty() && left.isEmpty();
    }
  }

  /**
   * Compares before (null when the DVS was just created) with after.
   *
   * <p>Every member is affected when the DVS settings changed (anything of the DVS record but
   * generation and members: name, uplinks, MTU, default policy, description), since each host state
   * carries them. Otherwise: hosts that joined or whose membership (uplink NICs) changed, hosts
   * with a port in a changed port group, and the old and new hosts of every added, removed or
   * changed port. Only members of after are reported as changed.
   */
  public static Result compute(DvsConfig before, DvsConfig after) {
    Objects.requireNonNull(after, "after");
    Map<String, HostMember> afterMembers = DesiredStateBuilder.members(after);
    if (before == null) {
      return new Result(new LinkedHashSet<>(afterMembers.keySet()), Set.of());
    }
    if (!before.id().equals(after.id())) {
      throw new IllegalArgumentException(
          "cannot compare DVS " + before.id() + " with DVS " + after.id());
    }
    Map<String, HostMember> beforeMembers = DesiredStateBuilder.members(before);
    Set<String> left = new LinkedHashSet<>();
    for (String host : beforeMembers.keySet()) {
      if (!afterMembers.containsKey(host)) {
        left.add(host);
      }
    }
    if (!sameSettings(before.dvs(), after.dvs())) {
      return new Result(new LinkedHashSet<>(afterMembers.keySet()), left);
    }
    Set<String> changed = new HashSet<>();
    for (Map.Entry<String, HostMember> e : afterMembers.entrySet()) {
      if (!e.getValue().equals(beforeMembers.get(e.getKey()))) {
        changed.add(e.getKey()); // joined, or its uplink NICs changed
      }
    }
    Set<String> changedGroups = changedPortGroups(before.portGroups(), after.portGroups());
    Map<String, Port> beforePorts = before.ports();
    Map<String, Port> afterPorts = after.ports();
    int added = 0;
    for (Port port : afterPorts.values()) {
      Port old = beforePorts.get(port.getKey());
      if (old == null) {
        added++;
      }
      if (old == null || !old.equals(port)) {
        addHosts(changed, port);
        if (old != null) {
          addHosts(changed, old); // a moved port leaves its old host too
        }
      } else if (!changedGroups.isEmpty() && changedGroups.contains(port.getPortGroupId())) {
        addHosts(changed, port);
      }
    }
    // Some port of before is gone exactly when the sizes do not add up: skip the walk otherwise.
    if (beforePorts.size() + added != afterPorts.size()) {
      for (Port old : beforePorts.values()) {
        if (!afterPorts.containsKey(old.getKey())) {
          addHosts(changed, old);
        }
      }
    }
    changed.retainAll(afterMembers.keySet());
    return new Result(changed, left);
  }

  /**
   * Whether two DVS records give every host the same DVS settings (generation and members aside).
   */
  static boolean sameSettings(Dvs a, Dvs b) {
    if (a == b) {
      return true;
    }
    return a.toBuilder()
        .clearMembers()
        .setGeneration(0)
        .build()
        .equals(b.toBuilder().clearMembers().setGeneration(0).build());
  }

  private static Set<String> changedPortGroups(
      Map<String, PortGroup> before, Map<String, PortGroup> after) {
    Set<String> out = new HashSet<>();
    for (PortGroup pg : after.values()) {
      PortGroup old = before.get(pg.getId());
      if (old != null && !old.equals(pg)) {
        out.add(pg.getId());
      }
    }
    // Added port groups have no ports yet unless those ports are new too (seen as port changes);
    // removed ones have no ports left. Neither affects a host by itself.
    return out;
  }

  /** The port's host and the host of its migration's standby copy, when it has one. */
  private static void addHosts(Set<String> hosts, Port port) {
    hosts.addAll(PortPlacement.hosts(port));
  }
}
