package io.switchplane.agent.backend;

import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Linux side of a host-local management clone: moves a device's IPv4 addresses and MAC onto
 * another device with iproute2, in the agent's own network namespace (where OVS puts the devices of
 * its internal ports). The clone takes the MAC too, so that the manager's ARP entry stays right and
 * the path is back at once; the two devices sit in different VLANs, where OVS learns MACs apart.
 */
final class LinuxLinks {
  private LinuxLinks() {}

  /**
   * Moves every IPv4 address of from onto to, gives to the MAC of from, and sets to up: one process
   * whatever the number of addresses. The device is read in this process ({@link NetworkInterface}
   * asks the kernel of the agent's network namespace) and changed by one {@code ip -batch}, since
   * starting processes is most of what this costs. {@code ip -batch} stops at the first command
   * that fails, and says which.
   */
  static void moveAddresses(String from, String to, boolean copyMac) throws BackendException {
    NetworkInterface device;
    try {
      device = NetworkInterface.getByName(from);
    } catch (SocketException e) {
      throw new BackendException("cannot read device " + from + ": " + e.getMessage());
    }
    if (device == null) {
      throw new BackendException("device " + from + " does not exist");
    }
    StringBuilder batch = new StringBuilder();
    if (copyMac) {
      byte[] mac;
      try {
        mac = device.getHardwareAddress();
      } catch (SocketException e) {
        throw new BackendException("cannot read the MAC of " + from + ": " + e.getMessage());
      }
      if (mac != null && mac.length == 6) {
        batch.append("link set dev ").append(to).append(" address ").append(macText(mac));
        batch.append('\n');
      }
    }
    batch.append("link set dev ").append(to).append(" up\n");
    for (InterfaceAddress a : device.getInterfaceAddresses()) {
      if (a.getAddress() instanceof Inet4Address v4) {
        String address = v4.getHostAddress() + "/" + a.getNetworkPrefixLength();
        batch.append("addr del ").append(address).append(" dev ").append(from).append('\n');
        batch.append("addr add ").append(address).append(" dev ").append(to).append('\n');
      }
    }
    ip(List.of("-batch", "-"), batch.toString());
  }

  private static String macText(byte[] mac) {
    StringBuilder out = new StringBuilder();
    for (byte b : mac) {
      if (out.length() > 0) {
        out.append(':');
      }
      out.append(String.format("%02x", b & 0xff));
    }
    return out.toString();
  }

  private static String ip(List<String> args, String input) throws BackendException {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(args);
    Commands.Result r = Commands.run(cmd, input, 10);
    if (!r.ok()) {
      throw new BackendException(
          String.join(" ", cmd)
              + (input.isEmpty() ? "" : " (" + input.strip().replace('\n', ';') + ")")
              + " failed: "
              + (r.err() + r.out()).strip());
    }
    return r.out();
  }
}
