package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostRestorePlan;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.manager.model.DvsConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What turning one configuration of a DVS into another does to each member host: the ports it gets,
 * changes and loses, and whether it joins or leaves. A restore and a change set's dry run show it.
 */
public final class HostPlans {
  private HostPlans() {}

  /**
   * Per member host (before or after): ports it gets, changes, loses; whether it joins or leaves.
   */
  public static List<HostRestorePlan> of(
      DvsConfig before, DvsConfig after, Function<String, String> hostName) {
    Set<String> hosts = new TreeSet<>();
    before.dvs().getMembersList().stream().map(HostMember::getHostId).forEach(hosts::add);
    after.dvs().getMembersList().stream().map(HostMember::getHostId).forEach(hosts::add);
    return hosts.stream()
        .map(
            h -> {
              Map<String, Port> was = byKey(before.portsOnHost(h));
              Map<String, Port> will = byKey(after.portsOnHost(h));
              int added = (int) will.keySet().stream().filter(k -> !was.containsKey(k)).count();
              int removed = (int) was.keySet().stream().filter(k -> !will.containsKey(k)).count();
              int changed =
                  (int)
                      will.entrySet().stream()
                          .filter(
                              e ->
                                  was.containsKey(e.getKey())
                                      && !samePort(
                                          was.get(e.getKey()), e.getValue(), before, after))
                          .count();
              return HostRestorePlan.newBuilder()
                  .setHostId(h)
                  .setHostName(hostName.apply(h))
                  .setPortsAdded(added)
                  .setPortsChanged(changed)
                  .setPortsRemoved(removed)
                  .setJoins(before.member(h).isEmpty())
                  .setLeaves(after.member(h).isEmpty())
                  .build();
            })
        .toList();
  }

  /**
   * Whether a port the host keeps is applied the same after the restore: the port itself, its port
   * group and the DVS settings equal but for ids (a restore onto another DVS maps port groups by
   * name), since any of them changes what the host applies.
   */
  private static boolean samePort(Port a, Port b, DvsConfig before, DvsConfig after) {
    PortGroup ga = before.portGroups().get(a.getPortGroupId());
    PortGroup gb = after.portGroups().get(b.getPortGroupId());
    boolean sameGroup =
        ga != null
            && gb != null
            && ga.toBuilder()
                .clearId()
                .clearDvsId()
                .build()
                .equals(gb.toBuilder().clearId().clearDvsId().build());
    return sameGroup
        && ConfigDiff.fields(before.dvs(), after.dvs()).isEmpty()
        && a.toBuilder()
            .clearDvsId()
            .clearPortGroupId()
            .build()
            .equals(b.toBuilder().clearDvsId().clearPortGroupId().build());
  }

  private static Map<String, Port> byKey(List<Port> ports) {
    Map<String, Port> out = new HashMap<>();
    ports.forEach(p -> out.put(p.getKey(), p));
    return out;
  }
}
