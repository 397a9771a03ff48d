package io.switchplane.cli.output;

import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.EffectivePolicy;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.SecurityPolicy;
import io.switchplane.api.v1.TrafficShaping;
import io.switchplane.api.v1.VmkService;
import io.switchplane.common.text.EnumLabels;
import io.switchplane.common.text.VlanText;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Short human text for model values in tables. */
public final class Describe {
  private Describe() {}

  /** The fields a policy sets at its level, e.g. "vlan=100* mtu=9000" (* = override allowed). */
  public static String policy(Policy p) {
    List<String> parts = new ArrayList<>();
    if (p.hasVlan()) {
      parts.add(
          "vlan="
              + VlanText.format(p.getVlan().getValue())
              + star(p.getVlan().getOverrideAllowed()));
    }
    if (p.hasSecurity()) {
      parts.add(
          "security="
              + security(p.getSecurity().getValue())
              + star(p.getSecurity().getOverrideAllowed()));
    }
    if (p.hasIngressShaping()) {
      parts.add(
          "in="
              + shaping(p.getIngressShaping().getValue())
              + star(p.getIngressShaping().getOverrideAllowed()));
    }
    if (p.hasEgressShaping()) {
      parts.add(
          "out="
              + shaping(p.getEgressShaping().getValue())
              + star(p.getEgressShaping().getOverrideAllowed()));
    }
    if (p.hasTeaming()) {
      parts.add(
          "active="
              + String.join(",", p.getTeaming().getValue().getActiveUplinksList())
              + (p.getTeaming().getValue().getStandbyUplinksCount() > 0
                  ? " standby="
                      + String.join(",", p.getTeaming().getValue().getStandbyUplinksList())
                  : "")
              + star(p.getTeaming().getOverrideAllowed()));
    }
    if (p.hasMtu()) {
      parts.add("mtu=" + p.getMtu().getValue() + star(p.getMtu().getOverrideAllowed()));
    }
    if (p.hasBlocked()) {
      parts.add("blocked=" + p.getBlocked().getValue() + star(p.getBlocked().getOverrideAllowed()));
    }
    return parts.isEmpty() ? "-" : String.join(" ", parts);
  }

  public static String effective(EffectivePolicy p) {
    return "vlan="
        + VlanText.format(p.getVlan())
        + " mtu="
        + p.getMtu()
        + (p.getBlocked() ? " BLOCKED" : "")
        + " security="
        + security(p.getSecurity())
        + (p.getIngressShaping().getEnabled() ? " in=" + shaping(p.getIngressShaping()) : "")
        + (p.getEgressShaping().getEnabled() ? " out=" + shaping(p.getEgressShaping()) : "");
  }

  /** One field of an effective policy, named as {@code PolicyResolver.explain} names it. */
  public static String field(EffectivePolicy p, String field) {
    return switch (field) {
      case "vlan" -> VlanText.format(p.getVlan());
      case "security" -> security(p.getSecurity());
      case "ingress-shaping" -> shaping(p.getIngressShaping());
      case "egress-shaping" -> shaping(p.getEgressShaping());
      case "teaming" ->
          "active="
              + String.join(",", p.getTeaming().getActiveUplinksList())
              + (p.getTeaming().getStandbyUplinksCount() > 0
                  ? " standby=" + String.join(",", p.getTeaming().getStandbyUplinksList())
                  : "");
      case "mtu" -> Integer.toString(p.getMtu());
      case "blocked" -> Boolean.toString(p.getBlocked());
      default -> throw new IllegalArgumentException("no policy field " + field);
    };
  }

  public static String connectee(Connectee c) {
    return switch (c.getKindCase()) {
      case VM_NIC -> "vm " + c.getVmNic().getVmUuid() + " " + c.getVmNic().getMac();
      case VMK_NIC ->
          c.getVmkNic().getDevice()
              + " ("
              + c.getVmkNic().getServicesList().stream()
                  .map(Describe::service)
                  .collect(Collectors.joining(","))
              + ")"
              + (c.getVmkNic().getAddress().isEmpty() ? "" : " " + c.getVmkNic().getAddress());
      case UPLINK_NIC -> "nic of " + c.getUplinkNic().getUplink();
      case KIND_NOT_SET -> "-";
    };
  }

  public static String summary(ChangeSummary s) {
    if (s.getAdded() + s.getUpdated() + s.getRemoved() == 0) {
      return "no change";
    }
    return "+"
        + s.getAdded()
        + " ~"
        + s.getUpdated()
        + " -"
        + s.getRemoved()
        + " ("
        + String.join(",", s.getTouchedPortKeysList())
        + (s.getTruncated() ? ",..." : "")
        + ")";
  }

  /** static or ephemeral; unspecified is static (see PortBinding). */
  public static String binding(PortBinding b) {
    return b == PortBinding.PORT_BINDING_EPHEMERAL ? "ephemeral" : "static";
  }

  /**
   * How many ports a port group holds: its static ports ("+": it grows when they run out), or "-"
   * for ephemeral binding (a port per connectee).
   */
  public static String capacity(PortGroup pg) {
    return pg.getBinding() == PortBinding.PORT_BINDING_EPHEMERAL
        ? "-"
        : pg.getNumPorts() + (pg.getAutoExpand() ? "+" : "");
  }

  /** A map as k=v pairs sorted by key, e.g. "uplink1=vmnic0,uplink2=vmnic1"; "-" when empty. */
  public static String pairs(java.util.Map<String, String> map) {
    return map.isEmpty()
        ? "-"
        : new java.util.TreeMap<>(map)
            .entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
  }

  public static String state(HostSyncState s) {
    return EnumLabels.of(s, "HOST_SYNC_STATE_");
  }

  private static final java.time.format.DateTimeFormatter LOCAL_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
          .withZone(java.time.ZoneId.systemDefault());

  /** A time for people: local to this machine, to the second; "-" for 0 (never, not yet). */
  public static String time(long unixMs) {
    return unixMs == 0 ? "-" : LOCAL_TIME.format(java.time.Instant.ofEpochMilli(unixMs));
  }

  private static String service(VmkService s) {
    return s.name().replace("VMK_SERVICE_", "").toLowerCase();
  }

  private static String security(SecurityPolicy s) {
    String allowed =
        (s.getAllowPromiscuous() ? "P" : "")
            + (s.getAllowMacChanges() ? "M" : "")
            + (s.getAllowForgedTransmits() ? "F" : "");
    return allowed.isEmpty() ? "strict" : allowed;
  }

  private static String shaping(TrafficShaping t) {
    return t.getEnabled()
        ? t.getAverageKbps() + "/" + t.getPeakKbps() + "/" + t.getBurstKib()
        : "off";
  }

  private static String star(boolean overrideAllowed) {
    return overrideAllowed ? "*" : "";
  }
}
