package io.switchplane.agent.backend;

import java.util.HexFormat;
import java.util.Locale;

/**
 * The frame a host sends to announce that a MAC lives behind it now: a RARP request (EtherType
 * 0x8035, opcode 3) from the MAC to broadcast, as VMware's vMotion and QEMU's self-announce send.
 * Switches learn the source MAC from it; no host answers it.
 */
public final class RarpFrame {
  private RarpFrame() {}

  /** The frame for mac (xx:xx:xx:xx:xx:xx), padded to Ethernet's 60-byte minimum, as hex. */
  public static String hex(String mac) {
    String m = mac.toLowerCase(Locale.ROOT).replace(":", "");
    if (!m.matches("[0-9a-f]{12}")) {
      throw new IllegalArgumentException("not a MAC address: '" + mac + "'");
    }
    StringBuilder b = new StringBuilder(120);
    b.append("ffffffffffff").append(m).append("8035"); // broadcast, from mac, RARP
    b.append("0001").append("0800").append("06").append("04").append("0003"); // request reverse
    b.append(m).append("00000000").append(m).append("00000000"); // sender, target: mac, no IP
    while (b.length() < 120) {
      b.append("00");
    }
    return b.toString();
  }

  /** The frame as bytes. */
  public static byte[] bytes(String mac) {
    return HexFormat.of().parseHex(hex(mac));
  }
}
