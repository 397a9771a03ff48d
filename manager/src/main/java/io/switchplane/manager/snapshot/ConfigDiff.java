package io.switchplane.manager.snapshot;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.switchplane.api.v1.EntityChange;
import io.switchplane.api.v1.EntityChange.Kind;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Stage: what turning one DVS configuration into another changes, entity by entity, with the
 * fields that differ. Port groups are matched by name (a restore onto another DVS keeps the
 * target's ids), ports by key, members by host id. Identity and bookkeeping fields (ids,
 * generation) are not differences.
 */
public final class ConfigDiff {
  private static final Set<String> IGNORED = Set.of("id", "dvs_id", "generation", "generation_base", "members",
      "port_group_id");

  private ConfigDiff() {}

  /** What changes when current becomes target, sorted by entity kind and name. */
  public static List<EntityChange> between(DvsConfig current, DvsConfig target, Function<String, String> hostName) {
    List<EntityChange> out = new ArrayList<>();
    List<String> dvsFields = fields(current.dvs(), target.dvs());
    if (!dvsFields.isEmpty()) {
      out.add(change(Kind.KIND_CHANGED, "dvs", target.dvs().getName(), dvsFields));
    }
    diff(out, "port-group", byName(current.portGroups()), byName(target.portGroups()));
    Map<String, String> currentGroupNames = groupNames(current);
    Map<String, String> targetGroupNames = groupNames(target);
    diffPorts(out, new TreeMap<>(current.ports()), new TreeMap<>(target.ports()), currentGroupNames,
        targetGroupNames);
    Map<String, HostMember> before = members(current);
    Map<String, HostMember> after = members(target);
    for (var e : after.entrySet()) {
      HostMember was = before.get(e.getKey());
      if (was == null) {
        out.add(change(Kind.KIND_ADDED, "member", hostName.apply(e.getKey()), List.of()));
      } else if (!was.equals(e.getValue())) {
        out.add(change(Kind.KIND_CHANGED, "member", hostName.apply(e.getKey()), fields(was, e.getValue())));
      }
    }
    before.keySet().stream().filter(h -> !after.containsKey(h))
        .forEach(h -> out.add(change(Kind.KIND_REMOVED, "member", hostName.apply(h), List.of())));
    return out;
  }

  private static void diff(List<EntityChange> out, String entity, Map<String, PortGroup> before,
      Map<String, PortGroup> after) {
    for (var e : after.entrySet()) {
      PortGroup was = before.get(e.getKey());
      if (was == null) {
        out.add(change(Kind.KIND_ADDED, entity, e.getKey(), List.of()));
      } else {
        List<String> f = fields(was, e.getValue());
        if (!f.isEmpty()) {
          out.add(change(Kind.KIND_CHANGED, entity, e.getKey(), f));
        }
      }
    }
    before.keySet().stream().filter(k -> !after.containsKey(k))
        .forEach(k -> out.add(change(Kind.KIND_REMOVED, entity, k, List.of())));
  }

  private static void diffPorts(List<EntityChange> out, Map<String, Port> before, Map<String, Port> after,
      Map<String, String> beforeGroups, Map<String, String> afterGroups) {
    for (var e : after.entrySet()) {
      Port was = before.get(e.getKey());
      if (was == null) {
        out.add(change(Kind.KIND_ADDED, "port", e.getKey(), List.of()));
        continue;
      }
      List<String> f = new ArrayList<>(fields(was, e.getValue()));
      if (!beforeGroups.getOrDefault(was.getPortGroupId(), "")
          .equals(afterGroups.getOrDefault(e.getValue().getPortGroupId(), ""))) {
        f.add(0, "port_group");
      }
      if (!f.isEmpty()) {
        out.add(change(Kind.KIND_CHANGED, "port", e.getKey(), f));
      }
    }
    before.keySet().stream().filter(k -> !after.containsKey(k))
        .forEach(k -> out.add(change(Kind.KIND_REMOVED, "port", k, List.of())));
  }

  /** Names of the top-level fields (and of a policy's settings, as policy.X) that differ. */
  static List<String> fields(Message a, Message b) {
    List<String> out = new ArrayList<>();
    for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
      if (IGNORED.contains(f.getName())) {
        continue;
      }
      Object x = a.getField(f);
      Object y = b.getField(f);
      if (x.equals(y)) {
        continue;
      }
      if (f.getName().endsWith("policy") && x instanceof Message px && y instanceof Message py) {
        fields(px, py).forEach(sub -> out.add(f.getName() + "." + sub));
      } else {
        out.add(f.getName());
      }
    }
    return out;
  }

  private static Map<String, PortGroup> byName(Map<String, PortGroup> byId) {
    Map<String, PortGroup> out = new TreeMap<>();
    byId.values().forEach(pg -> out.put(pg.getName(), pg));
    return out;
  }

  private static Map<String, String> groupNames(DvsConfig c) {
    Map<String, String> out = new TreeMap<>();
    c.portGroups().values().forEach(pg -> out.put(pg.getId(), pg.getName()));
    return out;
  }

  private static Map<String, HostMember> members(DvsConfig c) {
    Map<String, HostMember> out = new TreeMap<>();
    c.dvs().getMembersList().forEach(m -> out.put(m.getHostId(), m));
    return out;
  }

  private static EntityChange change(Kind kind, String entity, String name, List<String> fields) {
    return EntityChange.newBuilder().setKind(kind).setEntity(entity).setName(name).addAllFields(fields).build();
  }
}
