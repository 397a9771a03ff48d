package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.notFound;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyChange;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.common.properties.BuiltInNamespaces;
import io.switchplane.common.properties.PropertyEntries;
import io.switchplane.common.properties.PropertyKey;
import io.switchplane.common.properties.PropertyRules;
import io.switchplane.manager.model.ConfigLookup;
import io.switchplane.manager.model.DvsConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The property operations of one planning run: checks a {@link PropertyChange} against the rules
 * (registered namespace, key syntax, value size, per-entity limits), edits the entity in the
 * planner's working copy, and at the end checks the per-host total of every host whose state the
 * run changed. Every refusal is thrown before anything is stored.
 */
final class PropertyPlanning {
  private final NamespaceLookup namespaces;
  private final PlanState state;
  private final DvsConfig.Builder b;
  private boolean dvsTouched;
  private final Set<String> hosts = new HashSet<>();
  private final Set<String> groups = new HashSet<>();
  private final Set<String> ports = new HashSet<>();

  PropertyPlanning(NamespaceLookup namespaces, PlanState state) {
    this.namespaces = namespaces;
    this.state = state;
    this.b = state.config();
  }

  void apply(PropertyChange c) {
    PropertyRules.validateNamespaceName(c.getNamespace());
    if (!namespaces.registered(c.getNamespace())) {
      throw precondition(
          "namespace '%s' is not registered; register it first with "
              + "'switchplane namespace register %s --owner WHO'",
          c.getNamespace(), c.getNamespace());
    }
    PropertyRules.validateKey(c.getKey());
    PropertyKey key = new PropertyKey(c.getNamespace(), c.getKey());
    EntityKind kind = c.getEntity().getKind();
    String ref = c.getEntity().getId();
    switch (kind) {
      case ENTITY_KIND_DVS -> {
        Dvs dvs = b.dvs();
        List<PropertyEntry> next =
            edit("DVS '" + dvs.getName() + "'", dvs.getPropertiesList(), key, c);
        b.dvs(dvs.toBuilder().clearProperties().addAllProperties(next).build());
        dvsTouched = true;
      }
      case ENTITY_KIND_PORT_GROUP -> {
        PortGroup pg = state.portGroup(ref);
        OwnedNetworks.requireMayChange(state.author(), pg);
        List<PropertyEntry> next =
            edit("port group '" + pg.getName() + "'", pg.getPropertiesList(), key, c);
        b.portGroups()
            .put(pg.getId(), pg.toBuilder().clearProperties().addAllProperties(next).build());
        state.touchGroup(pg.getId());
        groups.add(pg.getId());
      }
      case ENTITY_KIND_PORT -> {
        if (ref.isEmpty()) {
          throw invalid("port key missing: give entity.id");
        }
        Port port = ConfigLookup.port(b, ref);
        List<PropertyEntry> next = edit("port '" + ref + "'", port.getPropertiesList(), key, c);
        b.ports().put(ref, port.toBuilder().clearProperties().addAllProperties(next).build());
        state.touchPort(ref);
        ports.add(ref);
      }
      case ENTITY_KIND_HOST -> editMember(state.memberId(ref), key, c);
      default -> throw invalid("entity kind missing: give one of DVS, PORT_GROUP, PORT, HOST");
    }
  }

  private void editMember(String hostId, PropertyKey key, PropertyChange c) {
    Dvs dvs = b.dvs();
    for (int i = 0; i < dvs.getMembersCount(); i++) {
      HostMember m = dvs.getMembers(i);
      if (m.getHostId().equals(hostId)) {
        List<PropertyEntry> next =
            edit(
                "host " + hostId + " on DVS '" + dvs.getName() + "'",
                m.getPropertiesList(),
                key,
                c);
        b.dvs(
            dvs.toBuilder()
                .setMembers(i, m.toBuilder().clearProperties().addAllProperties(next))
                .build());
        hosts.add(hostId);
        return;
      }
    }
    throw ConfigLookup.notMember(hostId, dvs);
  }

  private static List<PropertyEntry> edit(
      String what, List<PropertyEntry> current, PropertyKey key, PropertyChange c) {
    PropertyEntry.Builder e =
        PropertyEntry.newBuilder().setNamespace(key.namespace()).setKey(key.key());
    List<PropertyEntry> next =
        switch (c.getActionCase()) {
          case SET_VALUE -> PropertyEntries.with(current, e.setValue(c.getSetValue()).build());
          case UNSET -> PropertyEntries.with(current, e.setUnset(c.getUnset()).build());
          case DELETE ->
              PropertyEntries.without(current, key)
                  .orElseThrow(
                      () -> notFound("%s has no entry for property %s to delete", what, key));
          case ACTION_NOT_SET ->
              throw invalid("property %s: give one of set_value, unset, delete", key);
        };
    if (c.getActionCase() == PropertyChange.ActionCase.SET_VALUE) {
      PropertyRules.validateEntry(e.build());
      BuiltInNamespaces.validateValue(key.namespace(), key.key(), c.getSetValue());
    }
    PropertyRules.checkEntity(what, next);
    return next;
  }

  /**
   * RESOURCE_EXHAUSTED when the state of a host this run changed carries too many property bytes.
   */
  void checkHostTotals(DvsConfig after, Function<String, String> hostName) {
    if (!dvsTouched && hosts.isEmpty() && groups.isEmpty() && ports.isEmpty()) {
      return;
    }
    Set<String> check = new HashSet<>(hosts);
    for (HostMember m : after.dvs().getMembersList()) {
      if (dvsTouched) {
        check.add(m.getHostId());
      }
    }
    for (String key : ports) {
      Port p = after.ports().get(key);
      if (p != null && !p.getHostId().isEmpty()) {
        check.add(p.getHostId());
      }
    }
    if (!groups.isEmpty()) {
      for (Port p : after.ports().values()) {
        if (groups.contains(p.getPortGroupId()) && !p.getHostId().isEmpty()) {
          check.add(p.getHostId());
        }
      }
    }
    long dvsBytes = PropertyRules.bytes(after.dvs().getPropertiesList());
    for (String hostId : check) {
      long total =
          dvsBytes
              + after
                  .member(hostId)
                  .map(m -> PropertyRules.bytes(m.getPropertiesList()))
                  .orElse(0L);
      Set<String> used = new HashSet<>();
      for (Port p : after.portsOnHost(hostId)) {
        total += PropertyRules.bytes(p.getPropertiesList());
        if (used.add(p.getPortGroupId())) {
          PortGroup pg = after.portGroups().get(p.getPortGroupId());
          total += pg == null ? 0 : PropertyRules.bytes(pg.getPropertiesList());
        }
      }
      PropertyRules.checkHostTotal(hostName.apply(hostId), total);
    }
  }
}
