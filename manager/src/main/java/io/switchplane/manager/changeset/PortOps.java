package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;
import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import com.google.protobuf.FieldMask;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.ipam.InterfaceAddress;
import io.switchplane.manager.model.ConfigLookup;
import io.switchplane.manager.model.DvsConfig;
import java.util.List;

/** The port ops of one planning run: create, update and delete, by key. */
final class PortOps {
  private final PlanState state;

  PortOps(PlanState state) {
    this.state = state;
  }

  void create(Port requested) {
    DvsConfig.Builder b = state.config();
    requireKey(requested.getKey());
    if (b.ports().containsKey(requested.getKey())) {
      throw alreadyExists(
          "port '%s' exists already in DVS '%s'", requested.getKey(), b.dvs().getName());
    }
    put(requested.getKey(), requested);
  }

  /**
   * settings null: the op carried none. mask null: settings replace the port; otherwise only the
   * fields it names (see {@link UpdateMasks}).
   */
  void update(String key, Port settings, FieldMask mask) {
    requireKey(key);
    Port current = ConfigLookup.port(state.config(), key);
    if (mask != null) {
      settings = UpdateMasks.apply(current, settings, mask, UpdateMasks.PORT, "port");
    } else if (settings == null) {
      throw invalid("port '%s': settings missing", key);
    }
    put(key, settings);
  }

  void delete(String key) {
    requireKey(key);
    requireNotMigrating(key);
    Port old = ConfigLookup.port(state.config(), key);
    state.config().ports().remove(key);
    state.portsByGroup().removed(old);
    state.uplinkNics().removed(old);
    state.touchPort(key);
  }

  /** Resolves the port's references, validates it and stores it under key. */
  private void put(String key, Port requested) {
    DvsConfig.Builder b = state.config();
    requireNotMigrating(key);
    if (requested.hasMigration()) {
      throw invalid("port '%s': migration is set only by 'switchplane migrate'", key);
    }
    if (requested.getPortGroupId().isEmpty()) {
      throw invalid("port '%s': port group missing (give its id or name)", key);
    }
    PortGroup pg = state.portGroup(requested.getPortGroupId());
    Port existing = b.ports().get(key);
    Port.Builder port =
        requested.toBuilder()
            .setKey(key)
            .setDvsId(b.dvs().getId())
            .setPortGroupId(pg.getId())
            .clearProperties()
            .addAllProperties(existing == null ? List.of() : existing.getPropertiesList());
    if (!requested.getHostId().isEmpty()) {
      Host host = state.host(requested.getHostId());
      if (!state.isMember(host.getId())) {
        throw precondition(
            "port '%s': host '%s' is not a member of DVS '%s'; add it with "
                + "'switchplane dvs add-host' first",
            key, host.getName(), b.dvs().getName());
      }
      port.setHostId(host.getId());
    }
    Port p = port.build();
    ModelValidator.validatePort(b.dvs(), pg, p, state::isMember);
    requireVmkAddress(p);
    requireFreeNic(p);
    Port old = b.ports().put(key, p);
    if (old != null) {
      state.portsByGroup().removed(old);
      state.uplinkNics().removed(old);
    }
    state.portsByGroup().added(p);
    state.uplinkNics().added(p);
    state.touchPort(key);
  }

  /** A VMkernel NIC's address, when it has one, is a host address with its prefix length. */
  private static void requireVmkAddress(Port p) {
    String address = p.getConnectee().getVmkNic().getAddress();
    if (!p.getConnectee().hasVmkNic() || address.isEmpty()) {
      return;
    }
    try {
      InterfaceAddress.parse(address);
    } catch (SwitchplaneException e) {
      throw new SwitchplaneException(e.code(), "port '" + p.getKey() + "': " + e.getMessage(), e);
    }
  }

  /**
   * An uplink NIC port's NIC must not be another port already (a host switch attaches a NIC once).
   */
  private void requireFreeNic(Port p) {
    if (!p.getConnectee().hasUplinkNic()) {
      return;
    }
    String uplink = p.getConnectee().getUplinkNic().getUplink();
    String owner = state.uplinkNics().owner(p.getHostId(), uplink);
    if (owner != null && !owner.equals(p.getKey())) {
      throw precondition(
          "port '%s': the NIC of uplink '%s' on host '%s' is port '%s' already; a NIC is one port "
              + "(delete that port or connect it to something else first)",
          p.getKey(), uplink, state.hostName(p.getHostId()), owner);
    }
  }

  /** A port between a migration's prepare and switch-over changes only through the migration. */
  private void requireNotMigrating(String key) {
    Port existing = state.config().ports().get(key);
    if (existing != null && existing.hasMigration()) {
      throw precondition(
          "port '%s' is being migrated to host '%s'; change it once the migration is over",
          key, state.hostName(existing.getMigration().getStandbyHostId()));
    }
  }

  private static void requireKey(String key) {
    if (key.isEmpty()) {
      throw invalid("port key is empty");
    }
  }
}
