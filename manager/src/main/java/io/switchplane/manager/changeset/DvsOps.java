package io.switchplane.manager.changeset;

import com.google.protobuf.FieldMask;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.model.PolicyResolver;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.DvsConfig;

/**
 * The update_dvs op of one planning run: new DVS settings, which everything on the DVS must still
 * fit.
 */
final class DvsOps {
  private final PlanState state;

  DvsOps(PlanState state) {
    this.state = state;
  }

  /** mask null: settings replace the DVS settings; otherwise only the fields it names. */
  void update(Dvs settings, FieldMask mask) {
    Dvs current = state.dvs();
    if (mask != null) {
      settings = UpdateMasks.apply(current, settings, mask, UpdateMasks.DVS, "DVS");
    }
    Dvs.Builder next =
        current.toBuilder()
            .setName(settings.getName())
            .clearUplinks()
            .addAllUplinks(settings.getUplinksList())
            .setMtu(settings.getMtu() == 0 ? PolicyResolver.DEFAULT_MTU : settings.getMtu())
            .setDescription(settings.getDescription());
    if (settings.hasDefaultPolicy()) {
      next.setDefaultPolicy(settings.getDefaultPolicy());
    } else {
      next.clearDefaultPolicy();
    }
    Dvs dvs = next.build();
    ModelValidator.validateDvsSettings(dvs);
    if (!ChangeSetPlanner.sameSettings(current, dvs)) {
      revalidateAll(dvs);
    }
    state.config().dvs(dvs);
  }

  /** Every member, port group and port must still be valid under new DVS settings. */
  private void revalidateAll(Dvs dvs) {
    DvsConfig.Builder b = state.config();
    try {
      for (HostMember m : dvs.getMembersList()) {
        ModelValidator.validateMember(dvs, m, state.hostName(m.getHostId()));
      }
      for (PortGroup pg : b.portGroups().values()) {
        ModelValidator.validatePortGroup(dvs, pg);
      }
      // Only what depends on the DVS settings (policies, the uplink an uplink NIC port is): keys,
      // other connectees and membership are as validated when stored.
      for (Port p : b.ports().values()) {
        ModelValidator.validatePortPolicy(dvs, b.portGroups().get(p.getPortGroupId()), p);
        ModelValidator.validateUplinkNic(dvs, p);
      }
    } catch (SwitchplaneException e) {
      throw new SwitchplaneException(
          e.code(),
          "the new DVS settings do not fit the existing configuration: " + e.getMessage(),
          e);
    }
  }
}
