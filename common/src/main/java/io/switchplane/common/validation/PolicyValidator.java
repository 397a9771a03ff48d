package io.switchplane.common.validation;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Teaming;
import io.switchplane.api.v1.TrafficShaping;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.common.model.PolicyResolver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Rules for policies and their parts. Each failure names where it is and what is allowed. */
public final class PolicyValidator {
  public static final int MIN_VLAN = 1;
  public static final int MAX_VLAN = 4094;
  public static final int MIN_MTU = 1280;
  public static final int MAX_MTU = 9000;

  private PolicyValidator() {}

  /**
   * Whether a level sets any field of policy (a level setting nothing can break no rule). Lists
   * every field of Policy: a new field must be added here as in the checks below.
   */
  public static boolean setsAnything(Policy policy) {
    return policy.hasVlan()
        || policy.hasSecurity()
        || policy.hasIngressShaping()
        || policy.hasEgressShaping()
        || policy.hasTeaming()
        || policy.hasMtu()
        || policy.hasBlocked();
  }

  /** Checks a policy set at one level; uplinks are the DVS's uplink names. */
  public static void validate(Policy policy, Collection<String> uplinks, String where) {
    if (policy.hasVlan()) {
      validateVlan(policy.getVlan().getValue(), where);
    }
    if (policy.hasIngressShaping()) {
      validateShaping(policy.getIngressShaping().getValue(), where + ": ingress shaping");
    }
    if (policy.hasEgressShaping()) {
      validateShaping(policy.getEgressShaping().getValue(), where + ": egress shaping");
    }
    if (policy.hasTeaming()) {
      validateTeaming(policy.getTeaming().getValue(), uplinks, where);
    }
    if (policy.hasMtu()) {
      validateMtu(policy.getMtu().getValue(), where);
    }
  }

  /**
   * Checks that every field set at a level is open to override at the levels above it (top first).
   * FAILED_PRECONDITION names the field and the level that locked it.
   */
  public static void validateOverrides(Policy policy, String where, Policy... above) {
    check(
        policy.hasVlan(),
        PolicyResolver.overrideAllowed(
            Policy::hasVlan, Policy::getVlan, s -> s.getOverrideAllowed(), above),
        "vlan",
        where);
    check(
        policy.hasSecurity(),
        PolicyResolver.overrideAllowed(
            Policy::hasSecurity, Policy::getSecurity, s -> s.getOverrideAllowed(), above),
        "security",
        where);
    check(
        policy.hasIngressShaping(),
        PolicyResolver.overrideAllowed(
            Policy::hasIngressShaping,
            Policy::getIngressShaping,
            s -> s.getOverrideAllowed(),
            above),
        "ingress shaping",
        where);
    check(
        policy.hasEgressShaping(),
        PolicyResolver.overrideAllowed(
            Policy::hasEgressShaping, Policy::getEgressShaping, s -> s.getOverrideAllowed(), above),
        "egress shaping",
        where);
    check(
        policy.hasTeaming(),
        PolicyResolver.overrideAllowed(
            Policy::hasTeaming, Policy::getTeaming, s -> s.getOverrideAllowed(), above),
        "teaming",
        where);
    check(
        policy.hasMtu(),
        PolicyResolver.overrideAllowed(
            Policy::hasMtu, Policy::getMtu, s -> s.getOverrideAllowed(), above),
        "mtu",
        where);
    check(
        policy.hasBlocked(),
        PolicyResolver.overrideAllowed(
            Policy::hasBlocked, Policy::getBlocked, s -> s.getOverrideAllowed(), above),
        "blocked",
        where);
  }

  private static void check(boolean set, boolean allowed, String field, String where) {
    if (set && !allowed) {
      throw precondition(
          "%s sets %s, but the level above does not allow overriding it; "
              + "mark it override-allowed there or drop it here",
          where, field);
    }
  }

  public static void validateVlan(Vlan vlan, String where) {
    switch (vlan.getModeCase()) {
      case UNTAGGED -> {}
      case ACCESS_ID -> checkVlanId(vlan.getAccessId(), where);
      case TRUNK -> validateTrunk(vlan.getTrunk().getRangesList(), where);
      case MODE_NOT_SET ->
          throw invalid("%s: VLAN mode missing: set untagged, an access id or trunk ranges", where);
    }
  }

  private static void validateTrunk(List<VlanRange> ranges, String where) {
    if (ranges.isEmpty()) {
      throw invalid("%s: trunk has no VLAN ranges", where);
    }
    List<VlanRange> sorted = new ArrayList<>(ranges);
    for (VlanRange r : sorted) {
      checkVlanId(r.getFirst(), where);
      checkVlanId(r.getLast(), where);
      if (r.getFirst() > r.getLast()) {
        throw invalid("%s: trunk range %d-%d is reversed", where, r.getFirst(), r.getLast());
      }
    }
    sorted.sort((a, b) -> Integer.compare(a.getFirst(), b.getFirst()));
    for (int i = 1; i < sorted.size(); i++) {
      VlanRange prev = sorted.get(i - 1);
      VlanRange next = sorted.get(i);
      if (next.getFirst() <= prev.getLast()) {
        throw invalid(
            "%s: trunk ranges %d-%d and %d-%d overlap",
            where, prev.getFirst(), prev.getLast(), next.getFirst(), next.getLast());
      }
    }
  }

  private static void checkVlanId(int id, String where) {
    if (id < MIN_VLAN || id > MAX_VLAN) {
      throw invalid("%s: VLAN %d is outside %d-%d", where, id, MIN_VLAN, MAX_VLAN);
    }
  }

  public static void validateMtu(int mtu, String where) {
    if (mtu < MIN_MTU || mtu > MAX_MTU) {
      throw invalid("%s: MTU %d is outside %d-%d", where, mtu, MIN_MTU, MAX_MTU);
    }
  }

  private static void validateShaping(TrafficShaping shaping, String where) {
    if (!shaping.getEnabled()) {
      return;
    }
    if (shaping.getAverageKbps() == 0) {
      throw invalid("%s: average bandwidth must be above 0 kbit/s when shaping is enabled", where);
    }
    if (shaping.getPeakKbps() < shaping.getAverageKbps()) {
      throw invalid(
          "%s: peak %d kbit/s is below average %d kbit/s",
          where, shaping.getPeakKbps(), shaping.getAverageKbps());
    }
  }

  private static void validateTeaming(Teaming teaming, Collection<String> uplinks, String where) {
    if (teaming.getActiveUplinksCount() == 0) {
      throw invalid("%s: teaming needs at least one active uplink", where);
    }
    Set<String> seen = new HashSet<>();
    List<String> all = new ArrayList<>(teaming.getActiveUplinksList());
    all.addAll(teaming.getStandbyUplinksList());
    for (String uplink : all) {
      if (!uplinks.contains(uplink)) {
        throw invalid(
            "%s: teaming names uplink '%s', which the DVS does not have (uplinks: %s)",
            where, uplink, String.join(", ", uplinks));
      }
      if (!seen.add(uplink)) {
        throw invalid("%s: teaming lists uplink '%s' twice", where, uplink);
      }
    }
  }
}
