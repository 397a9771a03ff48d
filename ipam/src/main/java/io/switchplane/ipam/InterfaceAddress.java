package io.switchplane.ipam;

import static io.switchplane.common.error.SwitchplaneException.invalid;

/**
 * An interface's address with its prefix length, e.g. 10.0.0.5/24 (a VMkernel NIC's): the address
 * and the network it sits in. Unlike a {@link Cidr}, host bits are the point.
 */
public record InterfaceAddress(Ip address, Cidr network) {
  /**
   * Parses "address/prefix". INVALID_ARGUMENT when malformed, without a prefix length, or naming
   * the network or broadcast address of its network.
   */
  public static InterfaceAddress parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw invalid("address '%s' has no prefix length, e.g. 10.0.0.5/24", text);
    }
    Ip ip = Ip.parse(text.substring(0, slash), "address '" + text + "'");
    String len = text.substring(slash + 1);
    if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(Character::isDigit)) {
      throw invalid("address '%s': the prefix length '%s' is not a number", text, len);
    }
    int prefix = Integer.parseInt(len);
    if (prefix > ip.bits()) {
      throw invalid(
          "address '%s': an %s prefix length is 0-%d, not %d",
          text, ip.family(), ip.bits(), prefix);
    }
    int host = ip.bits() - prefix;
    Cidr network = new Cidr(new Ip(ip.v6(), ip.value().shiftRight(host).shiftLeft(host)), prefix);
    if (network.isSpecial(ip)) {
      throw invalid("address '%s' is not a host address of %s", text, network);
    }
    return new InterfaceAddress(ip, network);
  }

  @Override
  public String toString() {
    return address + "/" + network.prefix();
  }
}
