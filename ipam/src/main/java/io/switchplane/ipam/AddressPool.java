package io.switchplane.ipam;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The addresses a subnet hands out: its allocation ranges (sorted, disjoint) without the excluded
 * ones (gateway, reserved). Never enumerated: an IPv6 /64 holds 2^64 addresses, so the pool is
 * walked from a point and only as far as a search needs.
 */
public final class AddressPool {
  /** An inclusive range of one family. */
  public record Range(Ip first, Ip last) {
    public Range {
      if (first.v6() != last.v6() || first.compareTo(last) > 0) {
        throw new IllegalArgumentException(first + " - " + last);
      }
    }

    public boolean contains(Ip ip) {
      return ip.v6() == first.v6() && ip.compareTo(first) >= 0 && ip.compareTo(last) <= 0;
    }

    public BigInteger size() {
      return last.value().subtract(first.value()).add(BigInteger.ONE);
    }

    public boolean overlaps(Range o) {
      return first.v6() == o.first.v6()
          && first.compareTo(o.last) <= 0
          && o.first.compareTo(last) <= 0;
    }

    @Override
    public String toString() {
      return first + " - " + last;
    }
  }

  private final List<Range> ranges;
  private final Set<Ip> excluded;
  private final BigInteger size;

  /**
   * @param ranges disjoint ranges of one family, in any order
   * @param excluded addresses never handed out; those outside the ranges are ignored
   */
  public AddressPool(List<Range> ranges, Set<Ip> excluded) {
    List<Range> sorted = new ArrayList<>(ranges);
    sorted.sort(Comparator.comparing(Range::first));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i - 1).overlaps(sorted.get(i))) {
        throw new IllegalArgumentException(
            "ranges overlap: " + sorted.get(i - 1) + " and " + sorted.get(i));
      }
    }
    this.ranges = List.copyOf(sorted);
    this.excluded = new TreeSet<>();
    BigInteger total = BigInteger.ZERO;
    for (Range r : sorted) {
      total = total.add(r.size());
    }
    for (Ip ip : excluded) {
      if (inRanges(ip)) {
        this.excluded.add(ip);
      }
    }
    this.size = total.subtract(BigInteger.valueOf(this.excluded.size()));
  }

  public List<Range> ranges() {
    return ranges;
  }

  /** How many addresses the pool hands out. */
  public BigInteger size() {
    return size;
  }

  /** Whether ip is one of the pool's addresses. */
  public boolean contains(Ip ip) {
    return inRanges(ip) && !excluded.contains(ip);
  }

  private boolean inRanges(Ip ip) {
    for (Range r : ranges) {
      if (r.contains(ip)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The first address of the pool at or after from (wrapping past the end to the start) that skip
   * does not refuse, looking at no more than limit addresses of the pool; empty when none was
   * found. Excluded addresses are passed over without counting.
   */
  public Optional<Ip> next(Ip from, Predicate<Ip> skip, long limit) {
    if (ranges.isEmpty() || size.signum() == 0) {
      return Optional.empty();
    }
    BigInteger budget = size.min(BigInteger.valueOf(limit));
    int index = rangeAtOrAfter(from);
    Ip at = index < 0 ? null : ranges.get(index).contains(from) ? from : ranges.get(index).first();
    if (at == null) {
      index = 0;
      at = ranges.get(0).first();
    }
    BigInteger examined = BigInteger.ZERO;
    while (examined.compareTo(budget) < 0) {
      if (!excluded.contains(at)) {
        if (!skip.test(at)) {
          return Optional.of(at);
        }
        examined = examined.add(BigInteger.ONE);
      }
      if (at.equals(ranges.get(index).last())) {
        index = (index + 1) % ranges.size();
        at = ranges.get(index).first();
      } else {
        at = at.plus(1);
      }
    }
    return Optional.empty();
  }

  /** The index of the range holding ip or, if none does, of the first range after it; -1: none. */
  private int rangeAtOrAfter(Ip ip) {
    for (int i = 0; i < ranges.size(); i++) {
      Range r = ranges.get(i);
      if (r.first().v6() == ip.v6() && r.last().compareTo(ip) >= 0) {
        return i;
      }
    }
    return -1;
  }
}
