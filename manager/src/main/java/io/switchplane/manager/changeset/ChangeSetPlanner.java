package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;
import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.notFound;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.model.PolicyResolver;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Applies a change set (a list of {@link ChangeOp}) to a DVS configuration, in order, each op
 * seeing the ones before it, and says what the store must write.
 *
 * <p>Pure: no I/O (hosts are looked up through {@link HostLookup}), and the input configuration
 * is never modified (it is immutable; the planner works on a copy). Every rule failure is a
 * {@link SwitchplaneException}: INVALID_ARGUMENT for bad values and malformed ops, NOT_FOUND for
 * unknown references, ALREADY_EXISTS for duplicate names and keys, FAILED_PRECONDITION when the
 * current configuration forbids the op (in use, not a member). In a change set of several ops
 * the message starts with the op's position.
 *
 * <p>Names of other switches are not checked here (the planner sees one DVS); the store's name
 * index does that inside the transaction.
 */
public final class ChangeSetPlanner {
  /** Most operations in one change set (the wire contract says 1 to 20,000). */
  public static final int MAX_OPS = 20_000;
  /** Uplinks of a DVS created without any. */
  public static final List<String> DEFAULT_UPLINKS = List.of("uplink1", "uplink2");

  private final HostLookup hosts;
  private final NamespaceLookup namespaces;
  private final Supplier<String> ids;

  public ChangeSetPlanner(HostLookup hosts, NamespaceLookup namespaces) {
    this(hosts, namespaces, () -> UUID.randomUUID().toString());
  }

  /** A planner that knows no property namespace (every property op is refused). */
  public ChangeSetPlanner(HostLookup hosts, Supplier<String> ids) {
    this(hosts, ns -> false, ids);
  }

  /** ids supplies the ids of new port groups (tests pass a predictable one). */
  public ChangeSetPlanner(HostLookup hosts, NamespaceLookup namespaces, Supplier<String> ids) {
    this.hosts = Objects.requireNonNull(hosts, "hosts");
    this.namespaces = Objects.requireNonNull(namespaces, "namespaces");
    this.ids = Objects.requireNonNull(ids, "ids");
  }

  /**
   * The record of a new DVS: the requested settings with defaults applied (uplinks
   * {@link #DEFAULT_UPLINKS}, MTU 1500), the given id, generation 1 and no members; validated.
   */
  public static Dvs newDvs(String id, Dvs requested) {
    Dvs.Builder b = requested.toBuilder().clearMembers().clearProperties().clearGenerationBase().setId(id)
        .setGeneration(1);
    if (b.getUplinksCount() == 0) {
      b.addAllUplinks(DEFAULT_UPLINKS);
    }
    if (b.getMtu() == 0) {
      b.setMtu(PolicyResolver.DEFAULT_MTU);
    }
    Dvs dvs = b.build();
    ModelValidator.validateDvsSettings(dvs);
    return dvs;
  }

  /** Plans ops against before. The result's configuration is at before's generation + 1. */
  public Plan plan(DvsConfig before, List<ChangeOp> ops) {
    if (ops.isEmpty()) {
      throw invalid("the change set has no operations; give 1 to %,d", MAX_OPS);
    }
    if (ops.size() > MAX_OPS) {
      throw invalid("the change set has %,d operations, the limit is %,d; split it", ops.size(), MAX_OPS);
    }
    Work work = new Work(before);
    for (int i = 0; i < ops.size(); i++) {
      try {
        work.apply(ops.get(i));
      } catch (SwitchplaneException e) {
        if (ops.size() == 1) {
          throw e;
        }
        throw new SwitchplaneException(e.code(),
            "operation " + (i + 1) + " of " + ops.size() + " (" + opName(ops.get(i)) + "): " + e.getMessage(), e);
      }
    }
    return work.finish();
  }

  private static String opName(ChangeOp op) {
    return op.getOpCase().name().toLowerCase(Locale.ROOT);
  }

  /** The state of one planning run. */
  private final class Work {
    private final DvsConfig before;
    private final DvsConfig.Builder b;
    private final PortGroupIndex portsByGroup;
    private final Set<String> touchedGroups = new LinkedHashSet<>();
    private final Set<String> touchedPorts = new LinkedHashSet<>();
    private final List<String> portGroupIds = new ArrayList<>();
    private final MemberIds memberIds = new MemberIds();
    private final PropertyPlanning properties;

    Work(DvsConfig before) {
      this.before = before;
      this.b = before.toBuilder();
      this.portsByGroup = new PortGroupIndex(b.ports());
      this.properties = new PropertyPlanning(namespaces, b, this::portGroup, this::memberId, touchedGroups::add,
          touchedPorts::add);
    }

    private String memberId(String ref) {
      if (ref.isEmpty()) {
        throw invalid("host missing: give the id or name of a member host");
      }
      String id = isMember(ref) ? ref : host(ref).getId();
      if (!isMember(id)) {
        throw notFound("host '%s' is not a member of DVS '%s'", ref, b.dvs().getName());
      }
      return id;
    }

    /** Whether hostId is a member of the DVS as planned so far (a set lookup, see {@link MemberIds}). */
    private boolean isMember(String hostId) {
      return memberIds.contains(b.dvs(), hostId);
    }

    void apply(ChangeOp op) {
      switch (op.getOpCase()) {
        case UPDATE_DVS -> updateDvs(op.getUpdateDvs());
        case CREATE_PORT_GROUP -> createPortGroup(op.getCreatePortGroup());
        case UPDATE_PORT_GROUP -> updatePortGroup(op.getUpdatePortGroup().getPortGroup(),
            op.getUpdatePortGroup().hasSettings() ? op.getUpdatePortGroup().getSettings() : null);
        case DELETE_PORT_GROUP -> deletePortGroup(op.getDeletePortGroup());
        case CREATE_PORT -> createPort(op.getCreatePort());
        case UPDATE_PORT -> updatePort(op.getUpdatePort().getKey(),
            op.getUpdatePort().hasSettings() ? op.getUpdatePort().getSettings() : null);
        case DELETE_PORT -> deletePort(op.getDeletePort());
        case ADD_MEMBER -> addMember(op.getAddMember());
        case REMOVE_MEMBER -> removeMember(op.getRemoveMember());
        case PROPERTY -> properties.apply(op.getProperty());
        case OP_NOT_SET -> throw invalid("empty operation: set one of update_dvs, create_port_group, "
            + "update_port_group, delete_port_group, create_port, update_port, delete_port, add_member, "
            + "remove_member, property");
      }
    }

    private void updateDvs(Dvs settings) {
      Dvs current = b.dvs();
      Dvs.Builder next = current.toBuilder()
          .setName(settings.getName())
          .clearUplinks().addAllUplinks(settings.getUplinksList())
          .setMtu(settings.getMtu() == 0 ? PolicyResolver.DEFAULT_MTU : settings.getMtu())
          .setDescription(settings.getDescription());
      if (settings.hasDefaultPolicy()) {
        next.setDefaultPolicy(settings.getDefaultPolicy());
      } else {
        next.clearDefaultPolicy();
      }
      Dvs dvs = next.build();
      ModelValidator.validateDvsSettings(dvs);
      if (!sameSettings(current, dvs)) {
        revalidateAll(dvs);
      }
      b.dvs(dvs);
    }

    /** Every member, port group and port must still be valid under new DVS settings. */
    private void revalidateAll(Dvs dvs) {
      try {
        for (HostMember m : dvs.getMembersList()) {
          ModelValidator.validateMember(dvs, m, hostName(m.getHostId()));
        }
        for (PortGroup pg : b.portGroups().values()) {
          ModelValidator.validatePortGroup(dvs, pg);
        }
        // Only what depends on the DVS settings: keys, connectees and membership are as validated when stored.
        for (Port p : b.ports().values()) {
          ModelValidator.validatePortPolicy(dvs, b.portGroups().get(p.getPortGroupId()), p);
        }
      } catch (SwitchplaneException e) {
        throw new SwitchplaneException(e.code(),
            "the new DVS settings do not fit the existing configuration: " + e.getMessage(), e);
      }
    }

    private void createPortGroup(PortGroup requested) {
      String id = ids.get();
      // Properties change only through property ops.
      PortGroup pg = requested.toBuilder().setId(id).setDvsId(b.dvs().getId()).clearProperties().build();
      requireFreeGroupName(pg.getName(), null);
      ModelValidator.validatePortGroup(b.dvs(), pg);
      b.portGroups().put(id, pg);
      touchedGroups.add(id);
      portGroupIds.add(id);
    }

    private void updatePortGroup(String ref, PortGroup settings) {
      PortGroup current = portGroup(ref);
      if (settings == null) {
        throw invalid("port group '%s': settings missing", current.getName());
      }
      PortGroup pg = settings.toBuilder().setId(current.getId()).setDvsId(current.getDvsId())
          .clearProperties().addAllProperties(current.getPropertiesList()).build();
      requireFreeGroupName(pg.getName(), current.getId());
      ModelValidator.validatePortGroup(b.dvs(), pg);
      Set<String> keys = portsByGroup.keysOf(pg.getId());
      try {
        for (String key : keys) {
          // Only what depends on the port group: the rest was validated when the port was stored.
          ModelValidator.validatePortPolicy(b.dvs(), pg, b.ports().get(key));
        }
      } catch (SwitchplaneException e) {
        throw new SwitchplaneException(e.code(), "port group '" + current.getName()
            + "': the new settings do not fit its " + keys.size() + " port(s): " + e.getMessage(), e);
      }
      b.portGroups().put(pg.getId(), pg);
      touchedGroups.add(pg.getId());
      portGroupIds.add(pg.getId());
    }

    private void deletePortGroup(String ref) {
      PortGroup current = portGroup(ref);
      Set<String> keys = portsByGroup.keysOf(current.getId());
      if (!keys.isEmpty()) {
        throw precondition("port group '%s' is used by %d port(s) (%s); delete or move them first",
            current.getName(), keys.size(), sample(new TreeSet<>(keys)));
      }
      b.portGroups().remove(current.getId());
      touchedGroups.add(current.getId());
      portGroupIds.add(current.getId());
    }

    private void createPort(Port requested) {
      if (requested.getKey().isEmpty()) {
        throw invalid("port key is empty");
      }
      if (b.ports().containsKey(requested.getKey())) {
        throw alreadyExists("port '%s' exists already in DVS '%s'", requested.getKey(), b.dvs().getName());
      }
      putPort(requested.getKey(), requested);
    }

    private void updatePort(String key, Port settings) {
      if (key.isEmpty()) {
        throw invalid("port key is empty");
      }
      if (!b.ports().containsKey(key)) {
        throw notFound("port '%s' not found in DVS '%s'", key, b.dvs().getName());
      }
      if (settings == null) {
        throw invalid("port '%s': settings missing", key);
      }
      putPort(key, settings);
    }

    /** Resolves the port's references, validates it and stores it under key. */
    private void putPort(String key, Port requested) {
      if (requested.getPortGroupId().isEmpty()) {
        throw invalid("port '%s': port group missing (give its id or name)", key);
      }
      PortGroup pg = portGroup(requested.getPortGroupId());
      Port existing = b.ports().get(key);
      Port.Builder port = requested.toBuilder().setKey(key).setDvsId(b.dvs().getId()).setPortGroupId(pg.getId())
          .clearProperties().addAllProperties(existing == null ? List.of() : existing.getPropertiesList());
      if (!requested.getHostId().isEmpty()) {
        Host host = host(requested.getHostId());
        if (!isMember(host.getId())) {
          throw precondition("port '%s': host '%s' is not a member of DVS '%s'; add it with "
              + "'switchplane dvs add-host' first", key, host.getName(), b.dvs().getName());
        }
        port.setHostId(host.getId());
      }
      Port p = port.build();
      ModelValidator.validatePort(b.dvs(), pg, p, this::isMember);
      Port old = b.ports().put(key, p);
      if (old != null) {
        portsByGroup.removed(old);
      }
      portsByGroup.added(p);
      touchedPorts.add(key);
    }

    private void deletePort(String key) {
      if (key.isEmpty()) {
        throw invalid("port key is empty");
      }
      Port old = b.ports().remove(key);
      if (old == null) {
        throw notFound("port '%s' not found in DVS '%s'", key, b.dvs().getName());
      }
      portsByGroup.removed(old);
      touchedPorts.add(key);
    }

    private void addMember(HostMember requested) {
      if (requested.getHostId().isEmpty()) {
        throw invalid("host missing: give the id or name of a registered host");
      }
      Host host = host(requested.getHostId());
      if (isMember(host.getId())) {
        throw alreadyExists("host '%s' is already a member of DVS '%s'", host.getName(), b.dvs().getName());
      }
      HostMember member = requested.toBuilder().setHostId(host.getId()).clearProperties().build();
      ModelValidator.validateMember(b.dvs(), member, host.getName());
      Dvs dvs = b.dvs();
      b.dvs(dvs.toBuilder().addMembers(member).build());
      memberIds.added(dvs, b.dvs(), host.getId());
    }

    private void removeMember(String ref) {
      if (ref.isEmpty()) {
        throw invalid("host missing: give the id or name of a member host");
      }
      // A member is found by its id even if the registry no longer resolves it.
      String hostId = isMember(ref) ? ref : host(ref).getId();
      Dvs dvs = b.dvs();
      int index = -1;
      for (int i = 0; i < dvs.getMembersCount(); i++) {
        if (dvs.getMembers(i).getHostId().equals(hostId)) {
          index = i;
        }
      }
      if (index < 0) {
        throw notFound("host '%s' is not a member of DVS '%s'", hostName(hostId), dvs.getName());
      }
      List<String> placed = new ArrayList<>();
      for (Port p : b.ports().values()) {
        if (p.getHostId().equals(hostId)) {
          placed.add(p.getKey());
        }
      }
      if (!placed.isEmpty()) {
        throw precondition("host '%s' has %d port(s) on DVS '%s' (%s); delete them or move them off it first",
            hostName(hostId), placed.size(), dvs.getName(), sample(placed));
      }
      b.dvs(dvs.toBuilder().removeMembers(index).build());
    }

    Plan finish() {
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
      Set<String> beforeMembers = MemberIds.of(before.dvs().getMembersList(), before.dvs().getMembersCount());
      for (HostMember m : afterDvs.getMembersList()) {
        if (!beforeMembers.contains(m.getHostId())) {
          added.add(m.getHostId());
        }
      }
      return new Plan(before, after, List.copyOf(writes), List.copyOf(added), List.copyOf(portGroupIds));
    }

    private void requireFreeGroupName(String name, String exceptId) {
      for (PortGroup other : b.portGroups().values()) {
        if (other.getName().equals(name) && !other.getId().equals(exceptId)) {
          throw alreadyExists("port group '%s' exists already in DVS '%s'", name, b.dvs().getName());
        }
      }
    }

    private PortGroup portGroup(String ref) {
      if (ref.isEmpty()) {
        throw invalid("port group missing: give its id or name");
      }
      PortGroup byId = b.portGroups().get(ref);
      if (byId != null) {
        return byId;
      }
      for (PortGroup pg : b.portGroups().values()) {
        if (pg.getName().equals(ref)) {
          return pg;
        }
      }
      throw notFound("port group '%s' not found in DVS '%s'", ref, b.dvs().getName());
    }

    private Host host(String ref) {
      return hosts.find(ref).orElseThrow(() ->
          notFound("host '%s' is not registered; register it with 'switchplane host add' first", ref));
    }

    private String hostName(String hostId) {
      return hosts.find(hostId).map(Host::getName).orElse(hostId);
    }
  }

  /** Whether two DVS records put the same constraints on members, port groups and ports. */
  static boolean sameSettings(Dvs a, Dvs b) {
    return a.getUplinksList().equals(b.getUplinksList())
        && a.getMtu() == b.getMtu()
        && a.getDefaultPolicy().equals(b.getDefaultPolicy());
  }

  private static String sample(Collection<String> keys) {
    List<String> first = keys.stream().limit(5).toList();
    return String.join(", ", first) + (keys.size() > first.size() ? ", ..." : "");
  }
}
