package io.switchplane.manager.snapshot;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.switchplane.api.v1.EntityChange;
import io.switchplane.api.v1.EntityChange.Kind;
import io.switchplane.api.v1.FieldValue;
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
import java.util.stream.Collectors;

/**
 * Stage: what turning one DVS configuration into another changes, entity by entity, with the fields
 * that differ. Port groups are matched by name (a restore onto another DVS keeps the target's ids),
 * ports by key, members by host id. Identity and bookkeeping fields (ids, generation) are not
 * differences.
 */
public final class ConfigDiff {
  /** Characters of one value's text at most. */
  static final int MAX_TEXT = 200;

  /**
   * Identity, not content: a logical network id never changes on one DVS, so it differs only
   * between copies under other identifiers, like the ids.
   */
  private static final Set<String> IGNORED =
      Set.of(
          "id",
          "dvs_id",
          "generation",
          "generation_base",
          "members",
          "port_group_id",
          "logical_network_id");

  private ConfigDiff() {}

  /**
   * The port groups (by id) and ports (by key) a diff looks at, when the caller knows them (a
   * change set knows what it wrote): the rest is not compared, so the cost follows the change, not
   * the size of the switch.
   */
  public record Scope(Set<String> portGroupIds, Set<String> portKeys) {}

  /** What changes when current becomes target, sorted by entity kind and name. */
  public static List<EntityChange> between(
      DvsConfig current, DvsConfig target, Function<String, String> hostName) {
    return between(current, target, hostName, null);
  }

  /**
   * As {@link #between(DvsConfig, DvsConfig, Function)}, comparing only the port groups and ports
   * in scope (null: all). The ports of a renamed port group in scope are compared too: the name
   * they show as their port group changes.
   */
  public static List<EntityChange> between(
      DvsConfig current, DvsConfig target, Function<String, String> hostName, Scope scope) {
    List<EntityChange> out = new ArrayList<>();
    List<FieldValue> dvsFields = values(current.dvs(), target.dvs());
    if (!dvsFields.isEmpty()) {
      out.add(change(Kind.KIND_CHANGED, "dvs", target.dvs().getName(), dvsFields));
    }
    Set<String> groupIds = scope == null ? null : scope.portGroupIds();
    diff(
        out,
        "port-group",
        byName(inScope(current.portGroups(), groupIds)),
        byName(inScope(target.portGroups(), groupIds)));
    Map<String, String> currentGroupNames = groupNames(current);
    Map<String, String> targetGroupNames = groupNames(target);
    Set<String> portKeys =
        scope == null
            ? null
            : withRenamedGroupsPorts(scope, current, target, currentGroupNames, targetGroupNames);
    diffPorts(
        out,
        inScope(current.ports(), portKeys),
        inScope(target.ports(), portKeys),
        currentGroupNames,
        targetGroupNames);
    Map<String, HostMember> before = members(current);
    Map<String, HostMember> after = members(target);
    for (var e : after.entrySet()) {
      HostMember was = before.get(e.getKey());
      if (was == null) {
        out.add(whole(Kind.KIND_ADDED, "member", hostName.apply(e.getKey()), null, e.getValue()));
      } else if (!was.equals(e.getValue())) {
        out.add(
            change(
                Kind.KIND_CHANGED,
                "member",
                hostName.apply(e.getKey()),
                values(was, e.getValue())));
      }
    }
    before.entrySet().stream()
        .filter(h -> !after.containsKey(h.getKey()))
        .forEach(
            h ->
                out.add(
                    whole(
                        Kind.KIND_REMOVED,
                        "member",
                        hostName.apply(h.getKey()),
                        h.getValue(),
                        null)));
    return out;
  }

  private static void diff(
      List<EntityChange> out,
      String entity,
      Map<String, PortGroup> before,
      Map<String, PortGroup> after) {
    for (var e : after.entrySet()) {
      PortGroup was = before.get(e.getKey());
      if (was == null) {
        out.add(whole(Kind.KIND_ADDED, entity, e.getKey(), null, e.getValue()));
      } else {
        List<FieldValue> f = values(was, e.getValue());
        if (!f.isEmpty()) {
          out.add(change(Kind.KIND_CHANGED, entity, e.getKey(), f));
        }
      }
    }
    before.entrySet().stream()
        .filter(k -> !after.containsKey(k.getKey()))
        .forEach(k -> out.add(whole(Kind.KIND_REMOVED, entity, k.getKey(), k.getValue(), null)));
  }

  private static void diffPorts(
      List<EntityChange> out,
      Map<String, Port> before,
      Map<String, Port> after,
      Map<String, String> beforeGroups,
      Map<String, String> afterGroups) {
    for (var e : after.entrySet()) {
      Port was = before.get(e.getKey());
      if (was == null) {
        out.add(whole(Kind.KIND_ADDED, "port", e.getKey(), null, e.getValue()));
        continue;
      }
      List<FieldValue> f = new ArrayList<>(values(was, e.getValue()));
      String groupBefore = beforeGroups.getOrDefault(was.getPortGroupId(), "");
      String groupAfter = afterGroups.getOrDefault(e.getValue().getPortGroupId(), "");
      if (!groupBefore.equals(groupAfter)) {
        f.add(
            0,
            FieldValue.newBuilder()
                .setField("port_group")
                .setBefore(groupBefore)
                .setAfter(groupAfter)
                .build());
      }
      if (!f.isEmpty()) {
        out.add(change(Kind.KIND_CHANGED, "port", e.getKey(), f));
      }
    }
    before.entrySet().stream()
        .filter(k -> !after.containsKey(k.getKey()))
        .forEach(k -> out.add(whole(Kind.KIND_REMOVED, "port", k.getKey(), k.getValue(), null)));
  }

  /** Names of the top-level fields (and of a policy's settings, as policy.X) that differ. */
  static List<String> fields(Message a, Message b) {
    return values(a, b).stream().map(FieldValue::getField).toList();
  }

  /**
   * The top-level fields (and a policy's settings, as policy.X) that differ, with both values as
   * text.
   */
  static List<FieldValue> values(Message a, Message b) {
    List<FieldValue> out = new ArrayList<>();
    values(a, b, "", out);
    return out;
  }

  private static void values(Message a, Message b, String prefix, List<FieldValue> out) {
    for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
      if (IGNORED.contains(f.getName())) {
        continue;
      }
      Object x = a.getField(f);
      Object y = b.getField(f);
      if (x.equals(y)) {
        continue;
      }
      if (prefix.isEmpty()
          && f.getName().endsWith("policy")
          && x instanceof Message px
          && y instanceof Message py) {
        values(px, py, f.getName() + ".", out);
      } else {
        out.add(
            FieldValue.newBuilder()
                .setField(prefix + f.getName())
                .setBefore(text(a, f))
                .setAfter(text(b, f))
                .build());
      }
    }
  }

  /** A field's value as short text, "" when it is not set. */
  private static String text(Message m, FieldDescriptor f) {
    if (f.isRepeated() ? m.getRepeatedFieldCount(f) == 0 : f.hasPresence() && !m.hasField(f)) {
      return "";
    }
    Object v = m.getField(f);
    String s;
    if (v instanceof Message msg) {
      s = TextFormat.shortDebugString(msg);
    } else if (v instanceof List<?> list) {
      s =
          list.stream()
              .map(
                  e ->
                      e instanceof Message msg
                          ? "{" + TextFormat.shortDebugString(msg) + "}"
                          : String.valueOf(e))
              .collect(Collectors.joining(", ", "[", "]"));
    } else {
      s = String.valueOf(v);
    }
    return bounded(s);
  }

  private static String bounded(String s) {
    return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT - 3) + "...";
  }

  /** The entries of byKey whose key is in keys (null: all), sorted by key. */
  private static <T> TreeMap<String, T> inScope(Map<String, T> byKey, Set<String> keys) {
    if (keys == null) {
      return new TreeMap<>(byKey);
    }
    TreeMap<String, T> out = new TreeMap<>();
    for (String k : keys) {
      T v = byKey.get(k);
      if (v != null) {
        out.put(k, v);
      }
    }
    return out;
  }

  /** The scope's port keys, plus the ports of each port group in scope whose name changed. */
  private static Set<String> withRenamedGroupsPorts(
      Scope scope,
      DvsConfig current,
      DvsConfig target,
      Map<String, String> currentNames,
      Map<String, String> targetNames) {
    Set<String> renamed = new java.util.HashSet<>();
    for (String id : scope.portGroupIds()) {
      if (currentNames.containsKey(id)
          && targetNames.containsKey(id)
          && !currentNames.get(id).equals(targetNames.get(id))) {
        renamed.add(id);
      }
    }
    if (renamed.isEmpty()) {
      return scope.portKeys();
    }
    Set<String> keys = new java.util.HashSet<>(scope.portKeys());
    for (DvsConfig c : List.of(current, target)) {
      c.ports().values().stream()
          .filter(p -> renamed.contains(p.getPortGroupId()))
          .forEach(p -> keys.add(p.getKey()));
    }
    return keys;
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

  private static EntityChange change(
      Kind kind, String entity, String name, List<FieldValue> values) {
    return EntityChange.newBuilder()
        .setKind(kind)
        .setEntity(entity)
        .setName(name)
        .addAllFields(values.stream().map(FieldValue::getField).toList())
        .addAllValues(values)
        .build();
  }

  /** An entity added (before null) or removed (after null), with its value as text. */
  private static EntityChange whole(
      Kind kind, String entity, String name, Message before, Message after) {
    FieldValue v =
        FieldValue.newBuilder()
            .setBefore(before == null ? "" : bounded(TextFormat.shortDebugString(before)))
            .setAfter(after == null ? "" : bounded(TextFormat.shortDebugString(after)))
            .build();
    return EntityChange.newBuilder()
        .setKind(kind)
        .setEntity(entity)
        .setName(name)
        .addValues(v)
        .build();
  }
}
