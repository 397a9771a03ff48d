package io.switchplane.ipam;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import java.math.BigInteger;

/** A network such as 10.0.0.0/24 or 2001:db8:1::/64: its first address and prefix length. */
public record Cidr(Ip network, int prefix) {
  public Cidr {
    if (prefix < 0 || prefix > network.bits()) {
      throw new IllegalArgumentException("prefix " + prefix + " for " + network);
    }
  }

  /**
   * Parses "address/prefix". INVALID_ARGUMENT when malformed or when host bits are set (naming the
   * network meant): "10.0.0.1/24" is almost always a typo for an address, not a subnet.
   */
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (text.isEmpty()) {
      throw invalid("cidr is required, e.g. 10.0.0.0/24 or 2001:db8::/64");
    }
    if (slash < 0) {
      throw invalid("cidr '%s' has no prefix length, e.g. 10.0.0.0/24", text);
    }
    Ip ip = Ip.parse(text.substring(0, slash), "cidr '" + text + "': the address");
    String len = text.substring(slash + 1);
    int prefix;
    try {
      if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(Character::isDigit)) {
        throw new NumberFormatException(len);
      }
      prefix = Integer.parseInt(len);
    } catch (NumberFormatException e) {
      throw invalid("cidr '%s': the prefix length '%s' is not a number", text, len);
    }
    if (prefix > ip.bits()) {
      throw invalid(
          "cidr '%s': an %s prefix length is 0-%d, not %d", text, ip.family(), ip.bits(), prefix);
    }
    Cidr cidr = new Cidr(new Ip(ip.v6(), ip.value().and(mask(ip.bits(), prefix))), prefix);
    if (!cidr.network().equals(ip)) {
      throw invalid("cidr '%s' has host bits set; the network is %s", text, cidr);
    }
    return cidr;
  }

  private static BigInteger mask(int bits, int prefix) {
    BigInteger all = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
    BigInteger host = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
    return all.xor(host);
  }

  public boolean v6() {
    return network.v6();
  }

  public Ip first() {
    return network;
  }

  public Ip last() {
    return new Ip(v6(), network.value().add(size()).subtract(BigInteger.ONE));
  }

  /** How many addresses the network spans (2^(bits - prefix)). */
  public BigInteger size() {
    return BigInteger.ONE.shiftLeft(network.bits() - prefix);
  }

  public boolean contains(Ip ip) {
    return ip.v6() == v6()
        && ip.value().compareTo(network.value()) >= 0
        && ip.compareTo(last()) <= 0;
  }

  /** Whether the two networks share an address (different families never do). */
  public boolean overlaps(Cidr o) {
    return o.v6() == v6() && first().compareTo(o.last()) <= 0 && o.first().compareTo(last()) <= 0;
  }

  /**
   * Whether ip is an address a host cannot hold: IPv4's network and broadcast addresses (for
   * prefixes up to /30; a /31 and a /32 have none, RFC 3021), IPv6's subnet-router anycast address
   * (the first, for prefixes up to /126).
   */
  public boolean isSpecial(Ip ip) {
    if (v6()) {
      return prefix <= 126 && ip.equals(first());
    }
    return prefix <= 30 && (ip.equals(first()) || ip.equals(last()));
  }

  @Override
  public String toString() {
    return network + "/" + prefix;
  }
}
