package io.switchplane.rpc.tls;

import io.switchplane.common.error.SwitchplaneException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Whether an address is loopback: the only place plaintext Switchplane traffic is allowed. */
public final class Loopback {
  private Loopback() {}

  /** True for "localhost" and loopback literals (127.0.0.0/8, ::1); never resolves other names. */
  public static boolean isLoopback(String host) {
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!h.matches("[0-9.]+") && !h.contains(":")) {
      return false; // a DNS name: not resolved here, so not trusted to be loopback
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * Refuses {@code --insecure-plaintext} on a bind address that is not loopback (the empty address:
   * all of them): FAILED_PRECONDITION; whoever listens there would be reachable unencrypted.
   *
   * @param remedy what to do instead, appended to the message
   */
  public static void requirePlaintextAllowed(String bindHost, String remedy) {
    if (!isLoopback(bindHost)) {
      throw SwitchplaneException.precondition(
          "--insecure-plaintext is refused on '%s': plaintext is allowed on a "
              + "loopback address only; %s",
          bindHost.isEmpty() ? "all addresses" : bindHost, remedy);
    }
  }

  /** The host part of host:port (IPv6 literals in brackets). */
  public static String hostOf(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    return colon < 0 ? endpoint : endpoint.substring(0, colon);
  }
}
