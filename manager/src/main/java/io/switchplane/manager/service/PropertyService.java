package io.switchplane.manager.service;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.EntityRef;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PropertyChange;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.api.v1.PropertyNamespace;
import io.switchplane.api.v1.PropertyValue;
import io.switchplane.api.v1.Role;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.properties.PropertyResolver;
import io.switchplane.common.properties.PropertyRules;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.model.ConfigLookup;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.ConfigService.CommitResult;
import io.switchplane.manager.store.NamespaceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;

/**
 * The property domain: namespace registry and property reads. Writes are change sets of one {@link
 * PropertyChange} through {@link ConfigService#commit}, so they take the same path as every other
 * change (plan, one ZooKeeper transaction, generation + 1, push, confirm).
 */
public final class PropertyService {
  private final ConfigService config;
  private final NamespaceStore namespaces;

  public PropertyService(ConfigService config, NamespaceStore namespaces) {
    this.config = Objects.requireNonNull(config, "config");
    this.namespaces = Objects.requireNonNull(namespaces, "namespaces");
  }

  public PropertyNamespace registerNamespace(String name, String owner, String description) {
    config.checkLeader();
    return namespaces.register(name, owner, description, Caller.current().principal());
  }

  public List<PropertyNamespace> listNamespaces() {
    return namespaces.list();
  }

  /**
   * Commits one property change to the DVS as a change set. PERMISSION_DENIED when the caller may
   * not write the namespace: only an admin, the principal that registered it or the operator named
   * as its owner writes an application's namespace (Switchplane's own: any operator).
   */
  public CommitResult write(String dvsRef, PropertyChange change, long expectedGeneration) {
    Caller caller = Caller.current();
    namespaces
        .find(change.getNamespace())
        .ifPresent(
            ns -> {
              boolean allowed =
                  caller.role() == Role.ROLE_ADMIN
                      || PropertyRules.reserved(ns.getName())
                      || ns.getRegisteredBy().isEmpty()
                      || ns.getRegisteredBy().equals(caller.principal())
                      || ns.getOwner().equals(caller.principal());
              if (!allowed) {
                throw SwitchplaneException.denied(
                    "namespace '%s' belongs to %s (registered by %s): only they or an admin"
                        + " write its properties",
                    ns.getName(), ns.getOwner(), ns.getRegisteredBy());
              }
            });
    return config.commit(
        dvsRef, List.of(ChangeOp.newBuilder().setProperty(change).build()), expectedGeneration, "");
  }

  /**
   * The properties of one entity, optionally of one namespace or key: as set at that level (unset
   * markers included), or effective (ports and port groups inherit; DVS and host show their own
   * values).
   */
  public List<PropertyValue> read(
      String dvsRef, EntityRef entity, String namespace, String key, boolean effective) {
    DvsConfig c = config.config(dvsRef);
    List<PropertyValue> out = new ArrayList<>();
    if (!effective) {
      for (PropertyEntry e : entries(c, entity)) {
        if (matches(e.getNamespace(), e.getKey(), namespace, key)) {
          out.add(
              PropertyValue.newBuilder()
                  .setNamespace(e.getNamespace())
                  .setKey(e.getKey())
                  .setValue(e.getValue())
                  .setUnset(e.hasUnset())
                  .setFromLevel(entity.getKind())
                  .build());
        }
      }
      return out;
    }
    SortedMap<io.switchplane.common.properties.PropertyKey, PropertyResolver.Resolved> resolved =
        switch (entity.getKind()) {
          case ENTITY_KIND_PORT -> {
            Port p = ConfigLookup.port(c, entity.getId());
            yield PropertyResolver.forPort(c.dvs(), c.portGroups().get(p.getPortGroupId()), p);
          }
          case ENTITY_KIND_PORT_GROUP ->
              PropertyResolver.forPortGroup(c.dvs(), ConfigLookup.portGroup(c, entity.getId()));
          default -> PropertyResolver.own(entity.getKind(), entries(c, entity));
        };
    resolved.forEach(
        (k, r) -> {
          if (matches(k.namespace(), k.key(), namespace, key)) {
            out.add(
                PropertyValue.newBuilder()
                    .setNamespace(k.namespace())
                    .setKey(k.key())
                    .setValue(r.value())
                    .setFromLevel(r.level())
                    .build());
          }
        });
    return out;
  }

  private static boolean matches(String ns, String k, String wantNs, String wantKey) {
    return (wantNs.isEmpty() || wantNs.equals(ns)) && (wantKey.isEmpty() || wantKey.equals(k));
  }

  private List<PropertyEntry> entries(DvsConfig c, EntityRef entity) {
    return switch (entity.getKind()) {
      case ENTITY_KIND_DVS -> c.dvs().getPropertiesList();
      case ENTITY_KIND_PORT_GROUP -> ConfigLookup.portGroup(c, entity.getId()).getPropertiesList();
      case ENTITY_KIND_PORT -> ConfigLookup.port(c, entity.getId()).getPropertiesList();
      case ENTITY_KIND_HOST ->
          ConfigLookup.member(c, entity.getId(), config::host).getPropertiesList();
      default -> throw invalid("entity kind missing: give one of DVS, PORT_GROUP, PORT, HOST");
    };
  }
}
