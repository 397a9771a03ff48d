package io.switchplane.common.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Whether an address is loopback: the only place plaintext manager-agent traffic is allowed. */
public final class Loopback {
  private Loopback() {}

  /** True for "localhost" and loopback literals (127.0.0.0/8, ::1); never resolves other names. */
  public static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
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

  /** The host part of host:port (IPv6 literals in brackets). */
  public static String hostOf(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    return colon < 0 ? endpoint : endpoint.substring(0, colon);
  }
}
