package io.switchplane.common.model;

import com.google.protobuf.Message;
import io.switchplane.api.v1.BlockedSetting;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EffectivePolicy;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.SecurityPolicy;
import io.switchplane.api.v1.SecuritySetting;
import io.switchplane.api.v1.ShapingSetting;
import io.switchplane.api.v1.Teaming;
import io.switchplane.api.v1.TeamingSetting;
import io.switchplane.api.v1.TrafficShaping;
import io.switchplane.api.v1.Untagged;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The one resolver of effective port configuration: DVS default ⊕ port group ⊕ port, field by
 * field. A level's value wins over the one above only while every level above that set the field
 * allowed override. A field nobody sets takes the built-in default (untagged, all security off, no
 * shaping, every DVS uplink active, the DVS MTU, not blocked).
 *
 * <p>The manager uses it to answer queries and the agent to apply, so both see the same result.
 */
public final class PolicyResolver {
  /** MTU used when neither the DVS nor any policy sets one. */
  public static final int DEFAULT_MTU = 1500;

  private PolicyResolver() {}

  /**
   * The effective port: identity from the port and port group, policy resolved, and for an uplink
   * NIC port the NIC its host maps to that uplink ({@link #uplinkNic}). A migration's standby copy
   * ({@link PortPlacement#isStandby}) is blocked.
   */
  public static EffectivePort effectivePort(Dvs dvs, PortGroup portGroup, Port port) {
    EffectivePort.Builder b =
        EffectivePort.newBuilder()
            .setKey(port.getKey())
            .setPortGroupId(portGroup.getId())
            .setPortGroupName(portGroup.getName())
            .setPolicy(resolve(dvs, portGroup.getPolicy(), port.getPolicy()));
    if (PortPlacement.isStandby(port)) {
      // A migration's standby copy waits for the switch-over: it must not forward before.
      b.getPolicyBuilder().setBlocked(true);
    }
    if (port.hasConnectee()) {
      b.setConnectee(port.getConnectee());
      if (port.getConnectee().hasUplinkNic()) {
        b.setNic(uplinkNic(dvs, port.getHostId(), port.getConnectee().getUplinkNic().getUplink()));
      }
    }
    return b.build();
  }

  /**
   * The physical NIC that hostId's membership maps to uplink, or "" when it maps none (or the host
   * is not a member). A scan of the members: the agent's DVS record holds only its own.
   */
  public static String uplinkNic(Dvs dvs, String hostId, String uplink) {
    for (HostMember m : dvs.getMembersList()) {
      if (m.getHostId().equals(hostId)) {
        return m.getUplinkNicsOrDefault(uplink, "");
      }
    }
    return "";
  }

  /** The effective policy of a port with these levels. */
  public static EffectivePolicy resolve(Dvs dvs, Policy portGroup, Policy port) {
    Policy top = dvs.getDefaultPolicy();
    EffectivePolicy.Builder b = EffectivePolicy.newBuilder();

    VlanSetting vlan =
        pick(
            top,
            portGroup,
            port,
            Policy::hasVlan,
            Policy::getVlan,
            VlanSetting::getOverrideAllowed);
    b.setVlan(vlan != null && vlan.hasValue() ? vlan.getValue() : untagged());

    SecuritySetting security =
        pick(
            top,
            portGroup,
            port,
            Policy::hasSecurity,
            Policy::getSecurity,
            SecuritySetting::getOverrideAllowed);
    b.setSecurity(security != null ? security.getValue() : SecurityPolicy.getDefaultInstance());

    ShapingSetting in =
        pick(
            top,
            portGroup,
            port,
            Policy::hasIngressShaping,
            Policy::getIngressShaping,
            ShapingSetting::getOverrideAllowed);
    b.setIngressShaping(in != null ? in.getValue() : TrafficShaping.getDefaultInstance());

    ShapingSetting out =
        pick(
            top,
            portGroup,
            port,
            Policy::hasEgressShaping,
            Policy::getEgressShaping,
            ShapingSetting::getOverrideAllowed);
    b.setEgressShaping(out != null ? out.getValue() : TrafficShaping.getDefaultInstance());

    TeamingSetting teaming =
        pick(
            top,
            portGroup,
            port,
            Policy::hasTeaming,
            Policy::getTeaming,
            TeamingSetting::getOverrideAllowed);
    b.setTeaming(teaming != null ? teaming.getValue() : defaultTeaming(dvs.getUplinksList()));

    MtuSetting mtu =
        pick(top, portGroup, port, Policy::hasMtu, Policy::getMtu, MtuSetting::getOverrideAllowed);
    b.setMtu(mtu != null ? mtu.getValue() : dvsMtu(dvs));

    BlockedSetting blocked =
        pick(
            top,
            portGroup,
            port,
            Policy::hasBlocked,
            Policy::getBlocked,
            BlockedSetting::getOverrideAllowed);
    b.setBlocked(blocked != null && blocked.getValue());
    return b.build();
  }

  /**
   * Whether a lower level may set a field, given the levels above it (top first). A field unset
   * everywhere above is open; the nearest level that set it decides.
   */
  public static <S extends Message> boolean overrideAllowed(
      Predicate<Policy> has, Function<Policy, S> get, Predicate<S> allowed, Policy... above) {
    boolean open = true;
    for (Policy level : above) {
      if (has.test(level) && open) {
        open = allowed.test(get.apply(level));
      }
    }
    return open;
  }

  /** The teaming of a port nobody set one for: every DVS uplink active. */
  public static Teaming defaultTeaming(List<String> uplinks) {
    DefaultTeaming last = lastDefaultTeaming;
    if (last != null && last.uplinks().equals(uplinks)) {
      return last.teaming();
    }
    Teaming teaming = Teaming.newBuilder().addAllActiveUplinks(uplinks).build();
    lastDefaultTeaming = new DefaultTeaming(List.copyOf(uplinks), teaming);
    return teaming;
  }

  /**
   * The default teaming last built, with the uplinks it was built for. Nearly every port takes the
   * default, and an agent resolves thousands of ports of switches with the same uplinks: comparing
   * two short lists costs less than building the message again. Immutable, so a racy read sees a
   * whole pair or the one before it.
   */
  private record DefaultTeaming(List<String> uplinks, Teaming teaming) {}

  private static volatile DefaultTeaming lastDefaultTeaming;

  public static int dvsMtu(Dvs dvs) {
    return dvs.getMtu() == 0 ? DEFAULT_MTU : dvs.getMtu();
  }

  public static Vlan untagged() {
    return Vlan.newBuilder().setUntagged(Untagged.getDefaultInstance()).build();
  }

  /** The level an effective policy field comes from. */
  public enum Source {
    DVS,
    PORT_GROUP,
    PORT,
    BUILT_IN_DEFAULT
  }

  /**
   * Why a field of a port's effective policy has its value: the level that set it (or the built-in
   * default), whether that level lets the levels below override it, and whether a level below did
   * set it and was ignored because of that.
   */
  public record Origin(
      String field, Source source, boolean overrideAllowed, boolean ignoredBelow) {}

  /**
   * The origin of every field {@link #resolve} fills, in its order, decided by the same rule: a
   * level wins over the ones above only while every level above that set the field allowed
   * override.
   */
  public static List<Origin> explain(Dvs dvs, Policy portGroup, Policy port) {
    Policy[] levels = {dvs.getDefaultPolicy(), portGroup, port};
    return List.of(
        origin("vlan", levels, Policy::hasVlan, p -> p.getVlan().getOverrideAllowed()),
        origin("security", levels, Policy::hasSecurity, p -> p.getSecurity().getOverrideAllowed()),
        origin(
            "ingress-shaping",
            levels,
            Policy::hasIngressShaping,
            p -> p.getIngressShaping().getOverrideAllowed()),
        origin(
            "egress-shaping",
            levels,
            Policy::hasEgressShaping,
            p -> p.getEgressShaping().getOverrideAllowed()),
        origin("teaming", levels, Policy::hasTeaming, p -> p.getTeaming().getOverrideAllowed()),
        origin("mtu", levels, Policy::hasMtu, p -> p.getMtu().getOverrideAllowed()),
        origin("blocked", levels, Policy::hasBlocked, p -> p.getBlocked().getOverrideAllowed()));
  }

  /** The levels {@link #explain} passes, top first. */
  private static final Source[] LEVELS = {Source.DVS, Source.PORT_GROUP, Source.PORT};

  private static Origin origin(
      String field, Policy[] levels, Predicate<Policy> has, Predicate<Policy> allowedAt) {
    int won = winner(levels, has, allowedAt);
    if (won < 0) {
      return new Origin(field, Source.BUILT_IN_DEFAULT, true, false);
    }
    boolean ignoredBelow = false;
    for (int i = won + 1; i < levels.length; i++) {
      ignoredBelow |= has.test(levels[i]);
    }
    return new Origin(field, LEVELS[won], allowedAt.test(levels[won]), ignoredBelow);
  }

  /**
   * The index of the level (top first) whose value of a field counts, or -1 when none sets it: the
   * nearest level that set it while every level above that set it allowed override.
   */
  private static int winner(Policy[] levels, Predicate<Policy> has, Predicate<Policy> allowedAt) {
    int won = -1;
    for (int i = 0; i < levels.length; i++) {
      if (has.test(levels[i])) {
        won = i;
        if (!allowedAt.test(levels[i])) {
          break;
        }
      }
    }
    return won;
  }

  private static <S extends Message> S pick(
      Policy top,
      Policy portGroup,
      Policy port,
      Predicate<Policy> has,
      Function<Policy, S> get,
      Predicate<S> allowed) {
    Policy[] levels = {top, portGroup, port};
    int won = winner(levels, has, level -> allowed.test(get.apply(level)));
    return won < 0 ? null : get.apply(levels[won]);
  }
}
