package io.switchplane.agent.modules;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.common.diff.PortChanges;
import io.switchplane.common.properties.Entity;
import io.switchplane.common.properties.PropertyDiff;
import io.switchplane.common.properties.PropertyKey;
import io.switchplane.common.properties.PropertyResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The property modules of one agent, by namespace, and how an apply reaches them: the effective
 * values before and after are resolved ({@link PropertyResolver}, shared with the manager), their
 * difference is cut per namespace, and each claiming module gets its part. A namespace no module
 * claims is carried in the state like any other (stored, pushed back on rollback) and reported as
 * unclaimed; nothing of it is dropped.
 */
public final class PropertyModules {
  private static final Logger LOG = LoggerFactory.getLogger(PropertyModules.class);

  private final SortedMap<String, PropertyModule> byNamespace;

  private PropertyModules(SortedMap<String, PropertyModule> byNamespace) {
    this.byNamespace = Collections.unmodifiableSortedMap(byNamespace);
  }

  public static PropertyModules none() {
    return new PropertyModules(new TreeMap<>());
  }

  /** The given modules; IllegalArgumentException when two claim one namespace. */
  public static PropertyModules of(List<? extends PropertyModule> modules) {
    SortedMap<String, PropertyModule> map = new TreeMap<>();
    for (PropertyModule m : modules) {
      PropertyModule other = map.put(m.namespace(), m);
      if (other != null) {
        throw new IllegalArgumentException(
            "namespace "
                + m.namespace()
                + " is claimed by both "
                + other.getClass().getName()
                + " and "
                + m.getClass().getName()
                + "; remove one of them");
      }
    }
    return new PropertyModules(map);
  }

  /** The modules on the class path ({@link ServiceLoader}). */
  public static PropertyModules load() {
    List<PropertyModule> found = new ArrayList<>();
    ServiceLoader.load(PropertyModule.class).forEach(found::add);
    return of(found);
  }

  /** The module of a namespace, if one is loaded. */
  public java.util.Optional<PropertyModule> module(String namespace) {
    return java.util.Optional.ofNullable(byNamespace.get(namespace));
  }

  /** Claimed namespaces, sorted. */
  public SortedSet<String> claimed() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(byNamespace.keySet()));
  }

  /** Namespaces of state that no module here claims, sorted. */
  public List<String> unclaimed(HostSwitchState state) {
    return unclaimed(PropertyResolver.namespaces(state));
  }

  /**
   * Those of namespaces (a state's, as {@link PropertyResolver#namespaces} gives them) no module
   * claims.
   */
  public List<String> unclaimed(SortedSet<String> namespaces) {
    List<String> out = new ArrayList<>();
    for (String ns : namespaces) {
      if (!byNamespace.containsKey(ns)) {
        out.add(ns);
      }
    }
    return out;
  }

  /**
   * Gives every module its effective values on every present switch; a module that fails is logged.
   */
  public void start(
      java.util.function.Function<String, ModuleContext> contexts, List<HostSwitchState> states) {
    for (PropertyModule m : byNamespace.values()) {
      List<SwitchValues> switches = new ArrayList<>();
      for (HostSwitchState s : states) {
        if (s.getMember()) {
          switches.add(
              new SwitchValues(
                  s.getDvs().getId(),
                  s.getDvs().getGeneration(),
                  only(m.namespace(), PropertyResolver.effectiveAll(s))));
        }
      }
      try {
        m.onStart(contexts.apply(m.namespace()), switches);
        LOG.info(
            "property module {} started for namespace {} on {} switch(es)",
            m.getClass().getSimpleName(),
            m.namespace(),
            switches.size());
      } catch (ModuleException | RuntimeException e) {
        // The agent still serves, so that the manager can push a fix; the next apply tries again.
        LOG.error(
            "property module {} for namespace {} failed to start",
            m.getClass().getName(),
            m.namespace(),
            e);
      }
    }
  }

  /**
   * Hands each module what changed from before (null: nothing) to after. When a non-advisory module
   * fails, the modules already called are given the inverse and ModuleFailure is thrown; the caller
   * then takes the switch back. Returns how many effective values changed.
   */
  public int deliver(HostSwitchState before, HostSwitchState after) throws ModuleFailure {
    // Resolved once: the diff and the modules' updates both read the effective values after.
    return deliver(
        before,
        after,
        before == null ? new TreeMap<>() : PropertyResolver.effectiveAll(before),
        after == null ? new TreeMap<>() : PropertyResolver.effectiveAll(after));
  }

  /**
   * As {@link #deliver(HostSwitchState, HostSwitchState)}, told which ports differ: when the DVS
   * id, the DVS's properties, the members list (the set of hosts, their properties and uplink NIC
   * maps, all identical) and the port groups are as before, only the ports of changes can have
   * other effective values, so only theirs are resolved (the same changes, at the cost of what
   * changed); otherwise every entity is, as there.
   *
   * @param changes {@link PortChanges#between}(before, after)
   */
  public int deliver(HostSwitchState before, HostSwitchState after, PortChanges changes)
      throws ModuleFailure {
    if (!onlyPortsDiffer(before, after, changes)) {
      return deliver(before, after);
    }
    List<Port> was = new ArrayList<>(changes.removed());
    for (Port port : changes.changed()) {
      Port old = changes.before().get(port.getKey());
      if (old != null) {
        was.add(old);
      }
    }
    return deliver(
        before,
        after,
        PropertyResolver.effectiveOfPorts(before, was),
        PropertyResolver.effectiveOfPorts(after, changes.changed()));
  }

  /**
   * Whether only the ports of changes can have other effective values from before to after: both
   * switches present, of the same DVS, with the same DVS properties, the same members (hosts, their
   * uplink NICs and properties) and the same port groups.
   */
  static boolean onlyPortsDiffer(
      HostSwitchState before, HostSwitchState after, PortChanges changes) {
    return before != null
        && after != null
        && before.getMember()
        && after.getMember()
        && !changes.whole()
        && before.getDvs().getId().equals(after.getDvs().getId())
        && before.getDvs().getPropertiesList().equals(after.getDvs().getPropertiesList())
        && before.getDvs().getMembersList().equals(after.getDvs().getMembersList())
        && before.getPortGroupsList().equals(after.getPortGroupsList());
  }

  /**
   * Hands the modules the difference between then (effective values of before) and now (of after),
   * each of every entity that may differ.
   */
  private int deliver(
      HostSwitchState before,
      HostSwitchState after,
      SortedMap<Entity, SortedMap<PropertyKey, ByteString>> then,
      SortedMap<Entity, SortedMap<PropertyKey, ByteString>> now)
      throws ModuleFailure {
    List<PropertyDiff.Change> changes = PropertyDiff.diff(then, now);
    if (changes.isEmpty()) {
      return 0;
    }
    List<PropertyModule> done = new ArrayList<>();
    for (Map.Entry<String, List<PropertyDiff.Change>> e : byNamespace(changes).entrySet()) {
      PropertyModule m = byNamespace.get(e.getKey());
      if (m == null) {
        continue;
      }
      try {
        m.onApply(update(after, e.getValue(), now, false));
        done.add(m);
      } catch (ModuleException | RuntimeException failure) {
        if (m.advisory()) {
          LOG.warn(
              "advisory property module for {} failed on generation {} of DVS {} (apply goes on): {}",
              m.namespace(),
              after.getDvs().getGeneration(),
              after.getDvs().getId(),
              failure.getMessage());
          continue;
        }
        undo(done, before, after);
        throw new ModuleFailure(m.namespace(), failure);
      }
    }
    return changes.size();
  }

  /**
   * Hands every module the way back from from to to (an undo); failures are logged, never thrown.
   */
  public void deliverUndo(HostSwitchState from, HostSwitchState to) {
    undo(new ArrayList<>(byNamespace.values()), to, from);
  }

  /** Gives modules the inverse of the change before → after. */
  private void undo(List<PropertyModule> modules, HostSwitchState before, HostSwitchState after) {
    List<PropertyDiff.Change> back = changes(after, before);
    if (back.isEmpty()) {
      return;
    }
    SortedMap<Entity, SortedMap<PropertyKey, ByteString>> now =
        before == null ? new TreeMap<>() : PropertyResolver.effectiveAll(before);
    Map<String, List<PropertyDiff.Change>> split = byNamespace(back);
    for (PropertyModule m : modules) {
      List<PropertyDiff.Change> mine = split.get(m.namespace());
      if (mine == null) {
        continue;
      }
      try {
        m.onApply(update(before == null ? after : before, mine, now, true));
      } catch (ModuleException | RuntimeException e) {
        LOG.error(
            "property module for {} failed to undo a change on DVS {}; its values may differ until the "
                + "next apply",
            m.namespace(),
            after.getDvs().getId(),
            e);
      }
    }
  }

  private static List<PropertyDiff.Change> changes(HostSwitchState before, HostSwitchState after) {
    return PropertyDiff.diff(
        before == null ? new TreeMap<>() : PropertyResolver.effectiveAll(before),
        after == null ? new TreeMap<>() : PropertyResolver.effectiveAll(after));
  }

  private static Map<String, List<PropertyDiff.Change>> byNamespace(
      List<PropertyDiff.Change> changes) {
    Map<String, List<PropertyDiff.Change>> out = new TreeMap<>();
    for (PropertyDiff.Change c : changes) {
      out.computeIfAbsent(c.key().namespace(), k -> new ArrayList<>()).add(c);
    }
    return out;
  }

  private static PropertyUpdate update(
      HostSwitchState state,
      List<PropertyDiff.Change> changes,
      SortedMap<Entity, SortedMap<PropertyKey, ByteString>> now,
      boolean undo) {
    Map<Entity, PropertyUpdate.EntityChange> byEntity = new LinkedHashMap<>();
    for (PropertyDiff.Change c : changes) {
      String ns = c.key().namespace();
      PropertyUpdate.EntityChange ec =
          byEntity.computeIfAbsent(
              c.entity(),
              en ->
                  new PropertyUpdate.EntityChange(
                      en,
                      new TreeMap<>(),
                      new TreeMap<>(),
                      new TreeSet<>(),
                      keysOf(ns, now.getOrDefault(en, new TreeMap<>()))));
      switch (c.kind()) {
        case ADDED -> ec.added().put(c.key().key(), c.after());
        case CHANGED -> ec.changed().put(c.key().key(), c.after());
        case REMOVED -> ec.removed().add(c.key().key());
      }
    }
    return new PropertyUpdate(
        state.getDvs().getId(),
        state.getDvs().getGeneration(),
        List.copyOf(byEntity.values()),
        undo);
  }

  private static SortedMap<Entity, SortedMap<String, ByteString>> only(
      String ns, SortedMap<Entity, SortedMap<PropertyKey, ByteString>> all) {
    SortedMap<Entity, SortedMap<String, ByteString>> out = new TreeMap<>();
    all.forEach(
        (entity, values) -> {
          SortedMap<String, ByteString> mine = keysOf(ns, values);
          if (!mine.isEmpty()) {
            out.put(entity, mine);
          }
        });
    return out;
  }

  private static SortedMap<String, ByteString> keysOf(
      String ns, Map<PropertyKey, ByteString> values) {
    SortedMap<String, ByteString> out = new TreeMap<>();
    values.forEach(
        (k, v) -> {
          if (k.namespace().equals(ns)) {
            out.put(k.key(), v);
          }
        });
    return out;
  }
}
