package io.switchplane.agent.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Linux side of a host-local management clone: moves a device's IPv4 addresses and MAC onto
 * another device with iproute2, in the agent's own network namespace (where OVS puts the devices of
 * its internal ports). The clone takes the MAC too, so that the manager's ARP entry stays right and
 * the path is back at once; the two devices sit in different VLANs, where OVS learns MACs apart.
 */
final class LinuxLinks {
  private static final Pattern INET = Pattern.compile("\\binet (\\S+)");
  private static final Pattern ETHER = Pattern.compile("link/ether (\\S+)");

  private LinuxLinks() {}

  /** Moves every IPv4 address of from onto to, gives to the MAC of from, and sets to up. */
  static void moveAddresses(String from, String to, boolean copyMac) throws BackendException {
    if (copyMac) {
      Matcher mac = ETHER.matcher(ip("-o", "link", "show", "dev", from));
      if (mac.find()) {
        ip("link", "set", "dev", to, "address", mac.group(1));
      }
    }
    ip("link", "set", "dev", to, "up");
    List<String> addresses = new ArrayList<>();
    Matcher m = INET.matcher(ip("-o", "-4", "addr", "show", "dev", from));
    while (m.find()) {
      addresses.add(m.group(1));
    }
    for (String a : addresses) {
      ip("addr", "del", a, "dev", from);
      ip("addr", "add", a, "dev", to);
    }
  }

  private static String ip(String... args) throws BackendException {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    Commands.Result r = Commands.run(cmd, 10);
    if (!r.ok()) {
      throw new BackendException(String.join(" ", cmd) + " failed: " + (r.err() + r.out()).strip());
    }
    return r.out();
  }
}
