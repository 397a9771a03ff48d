package io.switchplane.ipam;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.AddressRange;
import io.switchplane.api.v1.Subnet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A subnet's addressing, checked: its CIDR, gateway, allocation ranges, reserved addresses and DNS
 * servers, with the pool they make. Every refusal is INVALID_ARGUMENT naming the field and value.
 * The L2 networks are the manager's to resolve.
 */
public final class SubnetSpec {
  public static final int MAX_RANGES = 64;
  public static final int MAX_RESERVED = 1024;
  public static final int MAX_DNS = 8;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private final Subnet normalized;
  private final Cidr cidr;
  private final Optional<Ip> gateway;
  private final AddressPool pool;

  private SubnetSpec(Subnet normalized, Cidr cidr, Optional<Ip> gateway, AddressPool pool) {
    this.normalized = normalized;
    this.cidr = cidr;
    this.gateway = gateway;
    this.pool = pool;
  }

  /** Checks s and returns it with every address in canonical form. */
  public static SubnetSpec of(Subnet s) {
    if (!NAME.matcher(s.getName()).matches()) {
      throw invalid(
          "subnet name '%s': 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
          s.getName());
    }
    Cidr cidr = Cidr.parse(s.getCidr());
    Subnet.Builder out = s.toBuilder().setCidr(cidr.toString());
    Optional<Ip> gateway = Optional.empty();
    if (!s.getGateway().isEmpty()) {
      Ip gw = inside(cidr, s.getGateway(), "gateway");
      if (cidr.isSpecial(gw)) {
        throw invalid("gateway %s is the network's own address in %s", gw, cidr);
      }
      gateway = Optional.of(gw);
      out.setGateway(gw.toString());
    }
    if (s.getRangesCount() > MAX_RANGES) {
      throw invalid("%d allocation ranges, the limit is %d", s.getRangesCount(), MAX_RANGES);
    }
    List<AddressPool.Range> ranges = new ArrayList<>();
    out.clearRanges();
    for (AddressRange r : s.getRangesList()) {
      Ip first = inside(cidr, r.getFirst(), "range start");
      Ip last = inside(cidr, r.getLast(), "range end");
      if (first.compareTo(last) > 0) {
        throw invalid("range %s - %s ends before it starts", first, last);
      }
      AddressPool.Range range = new AddressPool.Range(first, last);
      if (cidr.isSpecial(first) || cidr.isSpecial(last)) {
        throw invalid(
            "range %s holds %s, the network's own address in %s",
            range, cidr.isSpecial(first) ? first : last, cidr);
      }
      for (AddressPool.Range other : ranges) {
        if (other.overlaps(range)) {
          throw invalid("ranges %s and %s overlap", other, range);
        }
      }
      ranges.add(range);
      out.addRanges(AddressRange.newBuilder().setFirst(first.toString()).setLast(last.toString()));
    }
    if (ranges.isEmpty()) {
      ranges.add(wholeNetwork(cidr));
    }
    if (s.getReservedCount() > MAX_RESERVED) {
      throw invalid("%d reserved addresses, the limit is %d", s.getReservedCount(), MAX_RESERVED);
    }
    Set<Ip> excluded = new LinkedHashSet<>();
    gateway.ifPresent(excluded::add);
    out.clearReserved();
    Set<Ip> reserved = new HashSet<>();
    for (String text : s.getReservedList()) {
      Ip ip = inside(cidr, text, "reserved address");
      if (!reserved.add(ip)) {
        throw invalid("reserved address %s is listed twice", ip);
      }
      excluded.add(ip);
      out.addReserved(ip.toString());
    }
    if (s.getDnsServersCount() > MAX_DNS) {
      throw invalid("%d DNS servers, the limit is %d", s.getDnsServersCount(), MAX_DNS);
    }
    out.clearDnsServers();
    for (String text : s.getDnsServersList()) {
      out.addDnsServers(Ip.parse(text, "DNS server").toString());
    }
    return new SubnetSpec(out.build(), cidr, gateway, new AddressPool(ranges, excluded));
  }

  /**
   * The whole network without the addresses a host cannot hold: from the first usable to the last
   * usable address.
   */
  private static AddressPool.Range wholeNetwork(Cidr cidr) {
    Ip first = cidr.isSpecial(cidr.first()) ? cidr.first().plus(1) : cidr.first();
    Ip last = cidr.isSpecial(cidr.last()) ? cidr.last().plus(-1) : cidr.last();
    return new AddressPool.Range(first, last);
  }

  private static Ip inside(Cidr cidr, String text, String what) {
    Ip ip = Ip.parse(text, what);
    if (!cidr.contains(ip)) {
      throw invalid("%s %s is outside %s", what, ip, cidr);
    }
    return ip;
  }

  /** The subnet as given, its addresses canonical. */
  public Subnet normalized() {
    return normalized;
  }

  public Cidr cidr() {
    return cidr;
  }

  public Optional<Ip> gateway() {
    return gateway;
  }

  public AddressPool pool() {
    return pool;
  }

  /**
   * Whether ip may be set on a NIC by hand: inside the network, neither the gateway nor an address
   * a host cannot hold (it need not be in the allocation ranges: static addresses often are not).
   */
  public boolean assignable(Ip ip) {
    return cidr.contains(ip) && !cidr.isSpecial(ip) && gateway.map(g -> !g.equals(ip)).orElse(true);
  }

  /** The first of others whose network overlaps cidr. */
  public static Optional<Subnet> overlapping(Cidr cidr, Collection<Subnet> others) {
    for (Subnet o : others) {
      if (Cidr.parse(o.getCidr()).overlaps(cidr)) {
        return Optional.of(o);
      }
    }
    return Optional.empty();
  }
}
