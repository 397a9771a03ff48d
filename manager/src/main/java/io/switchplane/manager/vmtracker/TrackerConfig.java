package io.switchplane.manager.vmtracker;

import io.switchplane.api.v1.TrackerSettings;
import io.switchplane.api.v1.Vcenter;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.service.CommitOptions;
import io.switchplane.vcenter.VlanSet;
import java.util.Map;

/**
 * The tracker settings of one vCenter, checked and with defaults filled in.
 *
 * @param vcenter the vCenter's name
 * @param dvs id or name of the Switchplane DVS to provision
 * @param uplinkPortGroup the port group of the uplink ports
 * @param pinned VLANs every tracked host's uplinks carry
 * @param hostMap vCenter host name to Switchplane host name (unlisted: same name)
 * @param portGroupMap vCenter port group name to Switchplane port group name (unlisted: same name)
 * @param commit how the tracker's change sets are pushed (best-effort, with confirm)
 */
public record TrackerConfig(
    String vcenter,
    String dvs,
    String uplinkPortGroup,
    VlanSet pinned,
    Map<String, String> hostMap,
    Map<String, String> portGroupMap,
    CommitOptions commit) {
  public static final String DEFAULT_UPLINK_PORT_GROUP = "vmtracker-uplinks";
  public static final long DEFAULT_CONFIRM_TIMEOUT_MS = 10_000;

  public TrackerConfig {
    hostMap = Map.copyOf(hostMap);
    portGroupMap = Map.copyOf(portGroupMap);
  }

  /** INVALID_ARGUMENT naming the bad setting. */
  public static TrackerConfig of(Vcenter vc) {
    ModelValidator.validateName(vc.getName(), "vCenter");
    TrackerSettings t = vc.getTracker();
    if (t.getDvs().isBlank()) {
      throw SwitchplaneException.invalid(
          "vCenter '%s': the DVS to provision is missing (--dvs)", vc.getName());
    }
    String uplinks =
        t.getUplinkPortGroup().isBlank() ? DEFAULT_UPLINK_PORT_GROUP : t.getUplinkPortGroup();
    ModelValidator.validateName(uplinks, "uplink port group");
    VlanSet pinned;
    try {
      pinned = VlanSet.parse(t.getPinnedVlans());
    } catch (IllegalArgumentException e) {
      throw SwitchplaneException.invalid(
          "vCenter '%s': pinned VLANs '%s': %s", vc.getName(), t.getPinnedVlans(), e.getMessage());
    }
    t.getHostMapMap()
        .forEach((from, to) -> ModelValidator.validateName(to, "host (in the host map)"));
    t.getPortGroupMapMap()
        .forEach(
            (from, to) -> ModelValidator.validateName(to, "port group (in the port group map)"));
    long confirm =
        t.getConfirmTimeoutMs() == 0 ? DEFAULT_CONFIRM_TIMEOUT_MS : t.getConfirmTimeoutMs();
    return new TrackerConfig(
        vc.getName(),
        t.getDvs(),
        uplinks,
        pinned,
        t.getHostMapMap(),
        t.getPortGroupMapMap(),
        new CommitOptions(false, confirm));
  }

  public String switchplaneHost(String vcenterHostName) {
    return hostMap.getOrDefault(vcenterHostName, vcenterHostName);
  }

  public String switchplanePortGroup(String vcenterPortGroupName) {
    return portGroupMap.getOrDefault(vcenterPortGroupName, vcenterPortGroupName);
  }
}
