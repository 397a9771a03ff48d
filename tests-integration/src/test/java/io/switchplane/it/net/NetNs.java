package io.switchplane.it.net;

import static io.switchplane.it.net.OvsInstance.run;

import java.util.List;

/** Network-namespace plumbing the system tests share: out-of-band links and TCP reachability. */
public final class NetNs {
  private NetNs() {}

  /**
   * A veth from this namespace (rootSide, rootIp/24) to ns (device oob0, nsIp/24), for the test's
   * own traffic only (driving the API, reading an agent while its management path is down).
   */
  public static void outOfBand(String rootSide, String ns, String rootIp, String nsIp) {
    run("ip", "link", "add", rootSide, "type", "veth", "peer", "name", "oob0", "netns", ns);
    run("ip", "addr", "add", rootIp + "/24", "dev", rootSide);
    run("ip", "link", "set", rootSide, "up");
    run("ip", "netns", "exec", ns, "ip", "addr", "add", nsIp + "/24", "dev", "oob0");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "oob0", "up");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
  }

  /** Deletes the out-of-band links that exist (a veth's peer in its namespace goes with it). */
  public static void deleteLinks(List<String> rootSides) {
    String links = run("ip", "-o", "link", "show");
    for (String rootSide : rootSides) {
      if (links.contains(rootSide + "@")) {
        run("ip", "link", "del", rootSide);
      }
    }
  }

  /** Whether a TCP connection from namespace ns reaches ip:port within a second. */
  public static boolean tcpReachable(String ns, String ip, int port) {
    return tcpReachable(ns, ip, port, java.time.Duration.ofSeconds(1));
  }

  /**
   * Whether a TCP connection from namespace ns reaches ip:port within timeout. A short timeout
   * makes each probe a fresh SYN, so polling sees a restored path at once rather than at the next
   * SYN retransmission of a connect that started while it was down.
   */
  public static boolean tcpReachable(String ns, String ip, int port, java.time.Duration timeout) {
    String seconds = String.format(java.util.Locale.ROOT, "%.3f", timeout.toMillis() / 1000.0);
    try {
      run(
          "ip",
          "netns",
          "exec",
          ns,
          "timeout",
          seconds,
          "bash",
          "-c",
          "exec 3<>/dev/tcp/" + ip + "/" + port);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /**
   * Moves a new OVS internal port of bridge (in OVS ovs) with access VLAN tag into namespace target
   * with address ip/24. (An internal port rather than a veth: the userspace datapath does not fill
   * in the checksums a veth leaves to offload, so TCP data would drop.)
   */
  public static void internalPortInto(
      OvsInstance ovs, String bridge, String port, int tag, String target, String ip) {
    ovs.vsctl(
        "add-port",
        bridge,
        port,
        "--",
        "set",
        "interface",
        port,
        "type=internal",
        "--",
        "set",
        "port",
        port,
        "tag=" + tag);
    run("ip", "netns", "exec", ovs.namespace(), "ip", "link", "set", port, "netns", target);
    run("ip", "netns", "exec", target, "ip", "addr", "add", ip + "/24", "dev", port);
    run("ip", "netns", "exec", target, "ip", "link", "set", port, "up");
  }
}
