package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;
import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import com.google.protobuf.FieldMask;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.DvsConfig;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The port group ops of one planning run: create, update and delete, by id or name; who may make
 * them on an owned port group is {@link OwnedNetworks}'s rule.
 */
final class PortGroupOps {
  private final PlanState state;
  private final Supplier<String> ids;

  /** ids supplies the ids of new port groups. */
  PortGroupOps(PlanState state, Supplier<String> ids) {
    this.state = state;
    this.ids = ids;
  }

  void create(PortGroup requested) {
    DvsConfig.Builder b = state.config();
    String logical = OwnedNetworks.newLogicalNetworkId(state.author(), requested, b);
    String id = ids.get();
    // Properties change only through property ops.
    PortGroup pg =
        requested.toBuilder()
            .setId(id)
            .setDvsId(b.dvs().getId())
            .setLogicalNetworkId(logical)
            .setOwner(state.author().networkManager())
            .setBinding(binding(requested.getBinding()))
            .clearProperties()
            .build();
    requireFreeName(pg.getName(), null);
    ModelValidator.validatePortGroup(b.dvs(), pg);
    b.portGroups().put(id, pg);
    state.portGroupOp(id);
  }

  /**
   * settings null: the op carried none. mask null: settings replace the port group; otherwise only
   * the fields it names (see {@link UpdateMasks}).
   */
  void update(String ref, PortGroup settings, FieldMask mask) {
    DvsConfig.Builder b = state.config();
    PortGroup current = state.portGroup(ref);
    OwnedNetworks.requireMayChange(state.author(), current);
    requireSameLogicalNetwork(current, settings, mask);
    OwnedNetworks.requireSameOwner(current, settings);
    if (mask != null) {
      settings = UpdateMasks.apply(current, settings, mask, UpdateMasks.PORT_GROUP, "port group");
    } else if (settings == null) {
      throw invalid("port group '%s': settings missing", current.getName());
    }
    PortGroup pg =
        settings.toBuilder()
            .setId(current.getId())
            .setDvsId(current.getDvsId())
            .setLogicalNetworkId(current.getLogicalNetworkId())
            .setOwner(current.getOwner())
            .setBinding(binding(settings.getBinding()))
            .clearProperties()
            .addAllProperties(current.getPropertiesList())
            .build();
    requireFreeName(pg.getName(), current.getId());
    ModelValidator.validatePortGroup(b.dvs(), pg);
    Set<String> keys = state.portsByGroup().keysOf(pg.getId());
    try {
      for (String key : keys) {
        // Only what depends on the port group: the rest was validated when the port was stored.
        ModelValidator.validatePortPolicy(b.dvs(), pg, b.ports().get(key));
      }
    } catch (SwitchplaneException e) {
      throw new SwitchplaneException(
          e.code(),
          "port group '"
              + current.getName()
              + "': the new settings do not fit its "
              + keys.size()
              + " port(s): "
              + e.getMessage(),
          e);
    }
    b.portGroups().put(pg.getId(), pg);
    state.portGroupOp(pg.getId());
  }

  void delete(String ref) {
    PortGroup current = state.portGroup(ref);
    OwnedNetworks.requireMayChange(state.author(), current);
    Set<String> keys = state.portsByGroup().keysOf(current.getId());
    if (!keys.isEmpty()) {
      throw precondition(
          "port group '%s' is used by %d port(s) (%s); delete or move them first",
          current.getName(), keys.size(), PlanState.sample(new TreeSet<>(keys)));
    }
    state.config().portGroups().remove(current.getId());
    state.portGroupOp(current.getId());
  }

  /**
   * Settings may repeat the current logical network id (a read-modify-write) or leave it empty; a
   * mask naming it, or another value, is refused with its typed reason.
   */
  private static void requireSameLogicalNetwork(
      PortGroup current, PortGroup settings, FieldMask mask) {
    boolean masked =
        mask != null
            && mask.getPathsList().stream()
                .anyMatch(
                    p -> p.equals("logical_network_id") || p.startsWith("logical_network_id."));
    String asked = settings == null ? "" : settings.getLogicalNetworkId();
    if (masked || (!asked.isEmpty() && !asked.equals(current.getLogicalNetworkId()))) {
      throw invalid(
              "port group '%s': its logical network id %s never changes",
              current.getName(), current.getLogicalNetworkId())
          .because(ErrorReason.LOGICAL_NETWORK_ID_IMMUTABLE);
    }
  }

  private void requireFreeName(String name, String exceptId) {
    DvsConfig.Builder b = state.config();
    for (PortGroup other : b.portGroups().values()) {
      if (other.getName().equals(name) && !other.getId().equals(exceptId)) {
        throw alreadyExists("port group '%s' exists already in DVS '%s'", name, b.dvs().getName());
      }
    }
  }

  /**
   * Unspecified is static (see PortBinding): stored as such, so that every path (CLI, change set,
   * snapshot) reads back the same binding.
   */
  private static PortBinding binding(PortBinding requested) {
    return requested == PortBinding.PORT_BINDING_UNSPECIFIED
        ? PortBinding.PORT_BINDING_STATIC
        : requested;
  }
}
