package io.switchplane.cli.ops;

import io.switchplane.api.v1.BlockedSetting;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.SecurityPolicy;
import io.switchplane.api.v1.SecuritySetting;
import io.switchplane.api.v1.ShapingSetting;
import io.switchplane.api.v1.Teaming;
import io.switchplane.api.v1.TeamingSetting;
import io.switchplane.api.v1.TrafficShaping;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.text.VlanText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Policy flags shared by the DVS, port group and port verbs; applied on top of the current policy.
 */
public final class PolicyOptions {
  /** Field names accepted by --allow-override, --lock and --inherit. */
  static final List<String> FIELDS =
      List.of("vlan", "security", "ingress-shaping", "egress-shaping", "teaming", "mtu", "blocked");

  @Option(
      names = "--vlan",
      paramLabel = "VLAN",
      description = "none, an access id (1-4094) or trunk:10-20,30.")
  String vlan;

  @Option(names = "--mtu", paramLabel = "BYTES", description = "Port MTU, 1280-9000.")
  Integer mtu;

  @Option(
      names = "--blocked",
      paramLabel = "true|false",
      arity = "0..1",
      fallbackValue = "true",
      description = "Block all traffic of the ports.")
  Boolean blocked;

  @Option(
      names = "--promiscuous",
      paramLabel = "true|false",
      description = "Allow promiscuous mode.")
  Boolean promiscuous;

  @Option(
      names = "--mac-changes",
      paramLabel = "true|false",
      description = "Allow MAC address changes.")
  Boolean macChanges;

  @Option(
      names = "--forged-transmits",
      paramLabel = "true|false",
      description = "Allow forged transmits.")
  Boolean forgedTransmits;

  @Option(
      names = "--shaping-in",
      paramLabel = "AVG,PEAK,BURST|off",
      description = "Ingress shaping: average and peak kbit/s, burst KiB; or off.")
  String shapingIn;

  @Option(
      names = "--shaping-out",
      paramLabel = "AVG,PEAK,BURST|off",
      description = "Egress shaping, as --shaping-in.")
  String shapingOut;

  @Option(
      names = "--active-uplinks",
      paramLabel = "UPLINK",
      split = ",",
      description = "Active uplinks, in order.")
  List<String> activeUplinks;

  @Option(
      names = "--standby-uplinks",
      paramLabel = "UPLINK",
      split = ",",
      description = "Standby uplinks, in order.")
  List<String> standbyUplinks;

  @Option(
      names = "--allow-override",
      paramLabel = "FIELD",
      split = ",",
      description =
          "Let lower levels override these fields (vlan, security, ingress-shaping, egress-shaping, "
              + "teaming, mtu, blocked, or all).")
  List<String> allowOverride;

  @Option(
      names = "--lock",
      paramLabel = "FIELD",
      split = ",",
      description = "Forbid lower levels to override these fields.")
  List<String> lock;

  @Option(
      names = "--inherit",
      paramLabel = "FIELD",
      split = ",",
      description = "Stop setting these fields at this level; they are inherited again.")
  List<String> inherit;

  /** The policy after applying the flags to current. */
  public Policy applyTo(Policy current) {
    Policy.Builder p = current.toBuilder();
    if (vlan != null) {
      p.setVlan(VlanSetting.newBuilder(p.getVlan()).setValue(VlanText.parse(vlan)));
    }
    if (mtu != null) {
      p.setMtu(MtuSetting.newBuilder(p.getMtu()).setValue(mtu));
    }
    if (blocked != null) {
      p.setBlocked(BlockedSetting.newBuilder(p.getBlocked()).setValue(blocked));
    }
    if (promiscuous != null || macChanges != null || forgedTransmits != null) {
      SecurityPolicy.Builder s = p.getSecurity().getValue().toBuilder();
      if (promiscuous != null) {
        s.setAllowPromiscuous(promiscuous);
      }
      if (macChanges != null) {
        s.setAllowMacChanges(macChanges);
      }
      if (forgedTransmits != null) {
        s.setAllowForgedTransmits(forgedTransmits);
      }
      p.setSecurity(SecuritySetting.newBuilder(p.getSecurity()).setValue(s));
    }
    if (shapingIn != null) {
      p.setIngressShaping(
          ShapingSetting.newBuilder(p.getIngressShaping()).setValue(shaping(shapingIn)));
    }
    if (shapingOut != null) {
      p.setEgressShaping(
          ShapingSetting.newBuilder(p.getEgressShaping()).setValue(shaping(shapingOut)));
    }
    if (activeUplinks != null || standbyUplinks != null) {
      Teaming.Builder t = p.getTeaming().getValue().toBuilder();
      if (activeUplinks != null) {
        t.clearActiveUplinks().addAllActiveUplinks(activeUplinks);
      }
      if (standbyUplinks != null) {
        t.clearStandbyUplinks().addAllStandbyUplinks(standbyUplinks);
      }
      p.setTeaming(TeamingSetting.newBuilder(p.getTeaming()).setValue(t));
    }
    setOverride(p, allowOverride, true);
    setOverride(p, lock, false);
    if (inherit != null) {
      for (String field : expand(inherit)) {
        switch (field) {
          case "vlan" -> p.clearVlan();
          case "security" -> p.clearSecurity();
          case "ingress-shaping" -> p.clearIngressShaping();
          case "egress-shaping" -> p.clearEgressShaping();
          case "teaming" -> p.clearTeaming();
          case "mtu" -> p.clearMtu();
          default -> p.clearBlocked();
        }
      }
    }
    return p.build();
  }

  /**
   * The update_mask paths of exactly the flags given, under policyField ("policy", or
   * "default_policy" for a DVS): an update sends these, so that what it does not name stays as
   * stored.
   */
  public List<String> maskPaths(String policyField) {
    List<String> out = new ArrayList<>();
    String p = policyField + ".";
    addIf(out, vlan, p + "vlan.value");
    addIf(out, mtu, p + "mtu.value");
    addIf(out, blocked, p + "blocked.value");
    addIf(out, promiscuous, p + "security.value.allow_promiscuous");
    addIf(out, macChanges, p + "security.value.allow_mac_changes");
    addIf(out, forgedTransmits, p + "security.value.allow_forged_transmits");
    addIf(out, shapingIn, p + "ingress_shaping.value");
    addIf(out, shapingOut, p + "egress_shaping.value");
    addIf(out, activeUplinks, p + "teaming.value.active_uplinks");
    addIf(out, standbyUplinks, p + "teaming.value.standby_uplinks");
    // An override flag sets the whole setting (applyTo gives it a value where it needs one); the
    // rest of it is as read, and the update expects the generation it was read at.
    for (List<String> fields : Arrays.asList(allowOverride, lock, inherit)) {
      if (fields != null) {
        expand(fields).forEach(f -> out.add(p + protoName(f)));
      }
    }
    return out;
  }

  private static void addIf(List<String> out, Object option, String path) {
    if (option != null) {
      out.add(path);
    }
  }

  /** A policy field as the proto names it (ingress-shaping: ingress_shaping). */
  private static String protoName(String field) {
    return field.replace('-', '_');
  }

  private static void setOverride(Policy.Builder p, List<String> fields, boolean allowed) {
    if (fields == null) {
      return;
    }
    for (String field : expand(fields)) {
      switch (field) {
        case "vlan" -> {
          requireSet(p.hasVlan(), field);
          p.setVlan(p.getVlan().toBuilder().setOverrideAllowed(allowed));
        }
        case "security" ->
            p.setSecurity(
                SecuritySetting.newBuilder(p.getSecurity())
                    .setValue(p.getSecurity().getValue())
                    .setOverrideAllowed(allowed));
        case "ingress-shaping" ->
            p.setIngressShaping(
                ShapingSetting.newBuilder(p.getIngressShaping())
                    .setValue(p.getIngressShaping().getValue())
                    .setOverrideAllowed(allowed));
        case "egress-shaping" ->
            p.setEgressShaping(
                ShapingSetting.newBuilder(p.getEgressShaping())
                    .setValue(p.getEgressShaping().getValue())
                    .setOverrideAllowed(allowed));
        case "teaming" -> {
          requireSet(p.hasTeaming(), field);
          p.setTeaming(TeamingSetting.newBuilder(p.getTeaming()).setOverrideAllowed(allowed));
        }
        case "mtu" -> {
          requireSet(p.hasMtu(), field);
          p.setMtu(MtuSetting.newBuilder(p.getMtu()).setOverrideAllowed(allowed));
        }
        default ->
            p.setBlocked(BlockedSetting.newBuilder(p.getBlocked()).setOverrideAllowed(allowed));
      }
    }
  }

  /**
   * VLAN, teaming and MTU have no neutral value, so their override flag needs a value at this
   * level.
   */
  private static void requireSet(boolean set, String field) {
    if (!set) {
      throw SwitchplaneException.invalid(
          "--allow-override/--lock %s needs a %s value at this level; give --%s too",
          field, field, field.equals("teaming") ? "active-uplinks" : field);
    }
  }

  private static List<String> expand(List<String> fields) {
    if (fields.contains("all")) {
      return FIELDS;
    }
    for (String f : fields) {
      if (!FIELDS.contains(f)) {
        throw SwitchplaneException.invalid(
            "unknown policy field '%s'; use one of %s or all", f, String.join(", ", FIELDS));
      }
    }
    return fields;
  }

  private static TrafficShaping shaping(String text) {
    if (text.equalsIgnoreCase("off")) {
      return TrafficShaping.getDefaultInstance();
    }
    String[] parts = text.split(",");
    try {
      if (parts.length != 3) {
        throw new NumberFormatException();
      }
      return TrafficShaping.newBuilder()
          .setEnabled(true)
          .setAverageKbps(Long.parseLong(parts[0].trim()))
          .setPeakKbps(Long.parseLong(parts[1].trim()))
          .setBurstKib(Long.parseLong(parts[2].trim()))
          .build();
    } catch (NumberFormatException e) {
      throw SwitchplaneException.invalid(
          "shaping '%s' is not understood: use AVG,PEAK,BURST (kbit/s, kbit/s, KiB) or off", text);
    }
  }
}
