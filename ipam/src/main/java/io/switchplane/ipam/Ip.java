package io.switchplane.ipam;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address as a number, so that ranges and prefixes are plain arithmetic. Its text
 * form is canonical (dotted quad; RFC 5952 for IPv6) and is also its znode name, so two spellings
 * of one address ("2001:db8::1", "2001:DB8:0::1") are one address.
 */
public record Ip(boolean v6, BigInteger value) implements Comparable<Ip> {
  /** The largest value of each family. */
  static final BigInteger MAX_V4 = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);

  static final BigInteger MAX_V6 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

  public Ip {
    if (value.signum() < 0 || value.compareTo(v6 ? MAX_V6 : MAX_V4) > 0) {
      throw new IllegalArgumentException("not an IPv" + (v6 ? 6 : 4) + " address: " + value);
    }
  }

  /**
   * Parses an address literal (never a host name: nothing is resolved). INVALID_ARGUMENT naming
   * what, e.g. "gateway", when text is not one.
   */
  public static Ip parse(String text, String what) {
    if (text.isEmpty()) {
      throw invalid("%s is required", what);
    }
    if (text.indexOf('%') >= 0) {
      throw invalid("%s '%s': a scoped address (with %%zone) has no place in a subnet", what, text);
    }
    InetAddress a;
    try {
      a = InetAddresses.forString(text);
    } catch (IllegalArgumentException e) {
      throw invalid("%s '%s' is not an IPv4 or IPv6 address", what, text);
    }
    return new Ip(!(a instanceof Inet4Address), InetAddresses.toBigInteger(a));
  }

  /** The address of the same family as this one, value steps further. */
  public Ip plus(long steps) {
    return new Ip(v6, value.add(BigInteger.valueOf(steps)));
  }

  /** The address after this one; after the family's last address, its first (0). */
  public Ip next() {
    return value.equals(v6 ? MAX_V6 : MAX_V4) ? new Ip(v6, BigInteger.ZERO) : plus(1);
  }

  public int bits() {
    return v6 ? 128 : 32;
  }

  public String family() {
    return v6 ? "IPv6" : "IPv4";
  }

  @Override
  public int compareTo(Ip o) {
    return v6 != o.v6 ? Boolean.compare(v6, o.v6) : value.compareTo(o.value);
  }

  /** Canonical text. */
  @Override
  public String toString() {
    return InetAddresses.toAddrString(
        v6 ? InetAddresses.fromIPv6BigInteger(value) : InetAddresses.fromIPv4BigInteger(value));
  }
}
