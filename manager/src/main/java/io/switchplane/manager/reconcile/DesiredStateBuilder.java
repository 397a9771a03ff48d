package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Stage: the final state one member host must have for one DVS (Helix's IdealState, cut per host).
 * Pure functions of the configuration; no I/O.
 */
public final class DesiredStateBuilder {
  private static final Comparator<Port> BY_KEY = Comparator.comparing(Port::getKey);

  private DesiredStateBuilder() {}

  /**
   * The whole final state of a member host: the DVS record with its members reduced to this host's
   * membership, the port groups used by the host's ports (sorted by id), the host's ports (sorted
   * by key), member=true. Costs O(ports on the host).
   *
   * @throws IllegalArgumentException when the host is not a member of the DVS
   * @throws IllegalStateException when a port refers to a port group the configuration lacks
   */
  public static HostSwitchState build(DvsConfig config, String hostId) {
    HostMember member =
        config
            .member(hostId)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "host " + hostId + " is not a member of DVS " + config.id()));
    return build(config, member);
  }

  /**
   * As {@link #build(DvsConfig, String)} for a membership already looked up: building the states of
   * many hosts looks members up in {@link #members} once, not by a scan per host.
   */
  public static HostSwitchState build(DvsConfig config, HostMember member) {
    String hostId = member.getHostId();
    Dvs dvs =
        config.dvs().toBuilder().clearMembers().addMembers(member).clearGenerationBase().build();
    List<Port> ports = new ArrayList<>(config.portsOnHost(hostId));
    ports.sort(BY_KEY);
    Map<String, PortGroup> groups = new TreeMap<>();
    Map<String, PortGroup> all = config.portGroups();
    for (Port port : ports) {
      String pgId = port.getPortGroupId();
      if (!groups.containsKey(pgId)) {
        PortGroup pg = all.get(pgId);
        if (pg == null) {
          throw new IllegalStateException(
              "port "
                  + port.getKey()
                  + " of DVS "
                  + config.id()
                  + " refers to port group "
                  + pgId
                  + ", which the configuration does not hold");
        }
        groups.put(pgId, pg);
      }
    }
    return HostSwitchState.newBuilder()
        .setHostId(hostId)
        .setDvs(dvs)
        .addAllPortGroups(groups.values())
        .addAllPorts(ports)
        .setMember(true)
        .build();
  }

  /** The ids of the member hosts of a DVS, in its order. */
  public static List<String> memberIds(DvsConfig config) {
    List<String> out = new ArrayList<>(config.dvs().getMembersCount());
    for (HostMember m : config.dvs().getMembersList()) {
      out.add(m.getHostId());
    }
    return out;
  }

  /** The members of a DVS by host id. */
  public static Map<String, HostMember> members(DvsConfig config) {
    Map<String, HostMember> out = new HashMap<>(config.dvs().getMembersCount() * 2);
    for (HostMember m : config.dvs().getMembersList()) {
      out.put(m.getHostId(), m);
    }
    return out;
  }

  /**
   * The state telling a host to remove its proxy switch of this DVS (the DVS was deleted or the
   * host left): the DVS settings at the given generation, no members, ports or port groups,
   * member=false.
   */
  public static HostSwitchState tombstone(Dvs dvs, long generation, String hostId) {
    return HostSwitchState.newBuilder()
        .setHostId(hostId)
        .setDvs(
            dvs.toBuilder().setGeneration(generation).clearMembers().clearGenerationBase().build())
        .setMember(false)
        .build();
  }

  /**
   * Whether two host states carry the same content, the DVS generation aside: a host that has an
   * older generation with the same content does not need a push. Null equals only null.
   */
  public static boolean sameContent(HostSwitchState a, HostSwitchState b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    return a.getMember() == b.getMember()
        && a.getHostId().equals(b.getHostId())
        && a.hasDvs() == b.hasDvs()
        && sameDvsContent(a.getDvs(), b.getDvs())
        && a.getPortGroupsList().equals(b.getPortGroupsList())
        && a.getPortsList().equals(b.getPortsList())
        && a.getUnknownFields().equals(b.getUnknownFields());
  }

  private static boolean sameDvsContent(Dvs a, Dvs b) {
    if (a.getGeneration() == b.getGeneration()) {
      return a.equals(b);
    }
    // Dvs records are small (members reduced to one host), so copying one is cheap.
    return a.toBuilder().setGeneration(b.getGeneration()).build().equals(b);
  }
}
