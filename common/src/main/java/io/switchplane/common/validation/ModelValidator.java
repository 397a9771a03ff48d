package io.switchplane.common.validation;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Rules for DVS, port group and port records, checked by the manager before storing and by the
 * agent before applying. Each failure says what is wrong and what is allowed.
 */
public final class ModelValidator {
  /**
   * Names of switches, port groups, hosts and uplinks ({@link #isName} checks it without a
   * matcher).
   */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,79}");

  /** Port keys ({@link #isPortKey} checks it without a matcher). */
  public static final Pattern PORT_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

  private static final int NAME_MAX = 80;
  private static final int PORT_KEY_MAX = 64;
  private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
  public static final int MAX_UPLINKS = 32;
  public static final int MAX_STATIC_PORTS = 8192;

  private ModelValidator() {}

  public static void validateName(String name, String what) {
    if (name.isEmpty()) {
      throw invalid("%s name is empty", what);
    }
    if (!isName(name)) {
      throw invalid(
          "%s name '%s' is not allowed: use 1-80 letters, digits, '.', '_', ':' or '-', "
              + "starting with a letter or digit",
          what, name);
    }
  }

  /** Checks a DVS's own settings (name, uplinks, MTU, default policy); not its members. */
  public static void validateDvsSettings(Dvs dvs) {
    validateName(dvs.getName(), "DVS");
    String where = "DVS '" + dvs.getName() + "'";
    if (dvs.getUplinksCount() == 0 || dvs.getUplinksCount() > MAX_UPLINKS) {
      throw invalid("%s: needs 1-%d uplinks, has %d", where, MAX_UPLINKS, dvs.getUplinksCount());
    }
    Set<String> seen = new HashSet<>();
    for (String uplink : dvs.getUplinksList()) {
      validateName(uplink, "uplink");
      if (!seen.add(uplink)) {
        throw invalid("%s: uplink '%s' is listed twice", where, uplink);
      }
    }
    if (dvs.getMtu() != 0) {
      PolicyValidator.validateMtu(dvs.getMtu(), where);
    }
    PolicyValidator.validate(
        dvs.getDefaultPolicy(), dvs.getUplinksList(), where + " default policy");
  }

  /**
   * Checks a member's uplink NIC mapping against the DVS uplinks; a NIC backs one uplink (it is one
   * port on the host switch).
   */
  public static void validateMember(Dvs dvs, HostMember member, String hostName) {
    Map<String, String> uplinkOfNic = new HashMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(member.getUplinkNicsMap()).entrySet()) {
      String uplink = e.getKey();
      if (!dvs.getUplinksList().contains(uplink)) {
        throw invalid(
            "host '%s': uplink '%s' is not an uplink of DVS '%s' (uplinks: %s)",
            hostName, uplink, dvs.getName(), String.join(", ", dvs.getUplinksList()));
      }
      String other = uplinkOfNic.putIfAbsent(e.getValue(), uplink);
      if (other != null) {
        throw invalid(
            "host '%s': NIC '%s' is given for uplinks '%s' and '%s'; a NIC backs one uplink",
            hostName, e.getValue(), other, uplink);
      }
    }
  }

  /** Checks a port group against its DVS. */
  public static void validatePortGroup(Dvs dvs, PortGroup pg) {
    validateName(pg.getName(), "port group");
    String where = "port group '" + pg.getName() + "'";
    if (pg.getNumPorts() > MAX_STATIC_PORTS) {
      throw invalid(
          "%s: %d ports is above the limit of %d", where, pg.getNumPorts(), MAX_STATIC_PORTS);
    }
    PolicyValidator.validate(pg.getPolicy(), dvs.getUplinksList(), where);
    PolicyValidator.validateOverrides(pg.getPolicy(), where, dvs.getDefaultPolicy());
  }

  /** Checks a port against its DVS and port group; a placed port's host must be a member. */
  public static void validatePort(Dvs dvs, PortGroup pg, Port port) {
    validatePort(dvs, pg, port, hostId -> isMember(dvs, hostId));
  }

  /**
   * As {@link #validatePort(Dvs, PortGroup, Port)}, with membership answered by member (true for
   * the host ids of dvs's members): a caller checking many ports of a DVS with thousands of members
   * passes a set lookup instead of a scan of the member list per port.
   */
  public static void validatePort(Dvs dvs, PortGroup pg, Port port, Predicate<String> member) {
    if (!isPortKey(port.getKey())) {
      throw invalid(
          "port key '%s' is not allowed: use 1-64 letters, digits, '.', '_', ':' or '-'",
          port.getKey());
    }
    if (port.hasConnectee()) {
      validateConnectee(port.getConnectee(), where(port));
      validateUplinkNic(dvs, port);
    }
    if (!port.getHostId().isEmpty() && !member.test(port.getHostId())) {
      throw precondition(
          "%s: host %s is not a member of DVS '%s'; add it with 'switchplane dvs add-host' first",
          where(port), port.getHostId(), dvs.getName());
    }
    validatePortPolicy(dvs, pg, port);
  }

  /**
   * An uplink NIC port names an uplink of the DVS and is placed on a host (whose NIC it is); other
   * ports pass. Depends on the DVS's uplinks, so a change of the DVS settings checks it again.
   */
  public static void validateUplinkNic(Dvs dvs, Port port) {
    if (!port.getConnectee().hasUplinkNic()) {
      return;
    }
    String uplink = port.getConnectee().getUplinkNic().getUplink();
    if (!dvs.getUplinksList().contains(uplink)) {
      throw invalid(
          "%s: uplink NIC of uplink '%s', which is not an uplink of DVS '%s' (uplinks: %s)",
          where(port), uplink, dvs.getName(), String.join(", ", dvs.getUplinksList()));
    }
    if (port.getHostId().isEmpty()) {
      throw invalid(
          "%s: an uplink NIC port is the NIC of one host; place it on the member host whose NIC it is",
          where(port));
    }
  }

  /**
   * The checks of {@link #validatePort} that depend on the DVS settings and the port group: the
   * port's own policy values (teaming names DVS uplinks) and its overrides of the levels above.
   * What a change of the DVS settings or of a port group must check again for every stored port
   * (key, connectee and membership do not depend on them).
   */
  public static void validatePortPolicy(Dvs dvs, PortGroup pg, Port port) {
    Policy policy = port.getPolicy();
    if (!PolicyValidator.setsAnything(policy)) {
      return; // most ports set nothing themselves: nothing to check, and no message to prepare
    }
    String where = where(port);
    PolicyValidator.validate(policy, dvs.getUplinksList(), where);
    PolicyValidator.validateOverrides(policy, where, dvs.getDefaultPolicy(), pg.getPolicy());
  }

  /** Whether s matches {@link #NAME}; a hand-written check, run for every name of every apply. */
  public static boolean isName(String s) {
    return matches(s, NAME_MAX);
  }

  /**
   * Whether s matches {@link #PORT_KEY}; a hand-written check, run for every port of every apply.
   */
  public static boolean isPortKey(String s) {
    return matches(s, PORT_KEY_MAX);
  }

  /** [A-Za-z0-9][A-Za-z0-9._:-]{0,max-1}. */
  private static boolean matches(String s, int max) {
    int n = s.length();
    if (n == 0 || n > max || !isAlnum(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = s.charAt(i);
      if (!isAlnum(c) && c != '.' && c != '_' && c != ':' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static String where(Port port) {
    return "port '" + port.getKey() + "'";
  }

  public static boolean isMember(Dvs dvs, String hostId) {
    for (HostMember m : dvs.getMembersList()) {
      if (m.getHostId().equals(hostId)) {
        return true;
      }
    }
    return false;
  }

  private static void validateConnectee(Connectee c, String where) {
    switch (c.getKindCase()) {
      case VM_NIC -> {
        if (c.getVmNic().getVmUuid().isEmpty()) {
          throw invalid("%s: VM NIC without a VM uuid", where);
        }
        validateMac(c.getVmNic().getMac(), where);
      }
      case VMK_NIC -> {
        if (!isName(c.getVmkNic().getDevice())) {
          throw invalid(
              "%s: VMkernel NIC device '%s' is not a valid name", where, c.getVmkNic().getDevice());
        }
        if (!c.getVmkNic().getMac().isEmpty()) {
          validateMac(c.getVmkNic().getMac(), where);
        }
      }
      case UPLINK_NIC -> {
        // Checked against the DVS's uplinks in validateUplinkNic.
      }
      case KIND_NOT_SET ->
          throw invalid(
              "%s: connectee set but empty: give a VM NIC, a VMkernel NIC or an uplink NIC", where);
    }
  }

  private static void validateMac(String mac, String where) {
    if (!MAC.matcher(mac).matches()) {
      throw invalid("%s: MAC '%s' is not lowercase xx:xx:xx:xx:xx:xx", where, mac);
    }
  }
}
