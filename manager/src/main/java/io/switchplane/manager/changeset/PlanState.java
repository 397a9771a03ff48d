package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.notFound;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.manager.model.ConfigLookup;
import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The working state of one planning run, shared by the per-entity op handlers ({@link DvsOps},
 * {@link PortGroupOps}, {@link PortOps}, {@link MemberOps}, {@link PropertyPlanning}): a mutable
 * copy of the configuration, what the ops touched, and the lookups they resolve references with.
 * {@link #finish} turns it into the {@link Plan}.
 */
final class PlanState {
  private final Author author;
  private final DvsConfig before;
  private final DvsConfig.Builder b;
  private final HostLookup hosts;
  private final PortGroupIndex portsByGroup;
  private final UplinkNicIndex uplinkNics;
  private final Set<String> touchedGroups = new LinkedHashSet<>();
  private final Set<String> touchedPorts = new LinkedHashSet<>();
  private final List<String> portGroupIds = new ArrayList<>();
  private final MemberIds memberIds = new MemberIds();

  PlanState(DvsConfig before, HostLookup hosts) {
    this(before, hosts, Author.OPERATOR);
  }

  PlanState(DvsConfig before, HostLookup hosts, Author author) {
    this.author = author;
    this.before = before;
    this.b = before.toBuilder();
    this.hosts = hosts;
    this.portsByGroup = new PortGroupIndex(b.ports());
    this.uplinkNics = new UplinkNicIndex(b.ports());
  }

  /** Whom the change set is planned for. */
  Author author() {
    return author;
  }

  /** The configuration as planned so far (ops edit it in place). */
  DvsConfig.Builder config() {
    return b;
  }

  Dvs dvs() {
    return b.dvs();
  }

  PortGroupIndex portsByGroup() {
    return portsByGroup;
  }

  UplinkNicIndex uplinkNics() {
    return uplinkNics;
  }

  /** A port group op touched id: its znode may need writing, and the op's result names it. */
  void portGroupOp(String id) {
    touchedGroups.add(id);
    portGroupIds.add(id);
  }

  /** A property op changed the port group id (it is written, but is no port group op). */
  void touchGroup(String id) {
    touchedGroups.add(id);
  }

  void touchPort(String key) {
    touchedPorts.add(key);
  }

  /**
   * Whether hostId is a member of the DVS as planned so far (a set lookup, see {@link MemberIds}).
   */
  boolean isMember(String hostId) {
    return memberIds.contains(b.dvs(), hostId);
  }

  /** Adds member to the DVS record; the host must not be a member yet. */
  void addMember(HostMember member) {
    Dvs dvs = b.dvs();
    b.dvs(dvs.toBuilder().addMembers(member).build());
    memberIds.added(dvs, b.dvs(), member.getHostId());
  }

  /** A port group of the working copy by id or name. */
  PortGroup portGroup(String ref) {
    if (ref.isEmpty()) {
      throw invalid("port group missing: give its id or name");
    }
    return ConfigLookup.portGroup(b, ref);
  }

  /** The id of a member host by id or name. */
  String memberId(String ref) {
    if (ref.isEmpty()) {
      throw invalid("host missing: give the id or name of a member host");
    }
    return ConfigLookup.memberId(this::isMember, b.dvs(), ref, this::host);
  }

  /** A registered host by id or name. */
  Host host(String ref) {
    return hosts
        .find(ref)
        .orElseThrow(
            () ->
                notFound(
                    "host '%s' is not registered; register it with 'switchplane host add' first",
                    ref));
  }

  /** The host's name for messages; its id when the registry no longer knows it. */
  String hostName(String hostId) {
    return hosts.find(hostId).map(Host::getName).orElse(hostId);
  }

  /** The plan: the configuration at before's generation + 1 and the writes that get there. */
  Plan finish(PropertyPlanning properties) {
    Dvs afterDvs = b.dvs().toBuilder().setGeneration(before.generation() + 1).build();
    DvsConfig after = b.dvs(afterDvs).build();
    properties.checkHostTotals(after, this::hostName);
    List<EntityWrite> writes = new ArrayList<>();
    for (String id : touchedGroups) {
      PortGroup was = before.portGroups().get(id);
      PortGroup now = after.portGroups().get(id);
      if (now == null && was != null) {
        writes.add(new EntityWrite.DeletePortGroup(id));
      } else if (now != null && !now.equals(was)) {
        writes.add(new EntityWrite.PutPortGroup(now, was == null));
      }
    }
    for (String key : touchedPorts) {
      Port was = before.ports().get(key);
      Port now = after.ports().get(key);
      if (now == null && was != null) {
        writes.add(new EntityWrite.DeletePort(key));
      } else if (now != null && !now.equals(was)) {
        writes.add(new EntityWrite.PutPort(now, was == null));
      }
    }
    List<String> added = new ArrayList<>();
    Set<String> beforeMembers =
        MemberIds.of(before.dvs().getMembersList(), before.dvs().getMembersCount());
    for (HostMember m : afterDvs.getMembersList()) {
      if (!beforeMembers.contains(m.getHostId())) {
        added.add(m.getHostId());
      }
    }
    return new Plan(
        before, after, List.copyOf(writes), List.copyOf(added), List.copyOf(portGroupIds));
  }

  /** The first few of keys, for messages. */
  static String sample(Collection<String> keys) {
    List<String> first = keys.stream().limit(5).toList();
    return String.join(", ", first) + (keys.size() > first.size() ? ", ..." : "");
  }
}
