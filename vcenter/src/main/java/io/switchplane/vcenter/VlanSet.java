package io.switchplane.vcenter;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * An immutable set of VLAN ids 1-4094, the unit the VM tracker reasons in: what a port group
 * carries, what a host's VMs need, what an uplink is provisioned with. Printed as compact ranges
 * ("100-102,200"), the way a switch's {@code allowed vlan} list reads.
 */
public final class VlanSet {
  public static final int MIN = 1;
  public static final int MAX = 4094;
  public static final VlanSet EMPTY = new VlanSet(new BitSet());

  /** An inclusive range of VLAN ids. */
  public record Range(int first, int last) {
    public Range {
      if (first < MIN || last > MAX || first > last) {
        throw new IllegalArgumentException(
            "VLAN range " + first + "-" + last + " is not within " + MIN + "-" + MAX);
      }
    }
  }

  private final BitSet bits;

  private VlanSet(BitSet bits) {
    this.bits = bits;
  }

  public static VlanSet of(int... ids) {
    BitSet b = new BitSet();
    for (int id : ids) {
      b.set(check(id));
    }
    return new VlanSet(b);
  }

  public static VlanSet ofRange(int first, int last) {
    Range r = new Range(first, last);
    BitSet b = new BitSet();
    b.set(r.first(), r.last() + 1);
    return new VlanSet(b);
  }

  public static VlanSet ofRanges(List<Range> ranges) {
    BitSet b = new BitSet();
    for (Range r : ranges) {
      b.set(r.first(), r.last() + 1);
    }
    return new VlanSet(b);
  }

  /** Parses "100-102,200"; blank is the empty set. */
  public static VlanSet parse(String text) {
    BitSet b = new BitSet();
    if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("none")) {
      return EMPTY;
    }
    for (String part : text.split(",")) {
      String p = part.strip();
      int dash = p.indexOf('-');
      try {
        if (dash < 0) {
          b.set(check(Integer.parseInt(p)));
        } else {
          Range r =
              new Range(
                  Integer.parseInt(p.substring(0, dash).strip()),
                  Integer.parseInt(p.substring(dash + 1).strip()));
          b.set(r.first(), r.last() + 1);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "'" + p + "' is not a VLAN id or range (e.g. 100 or 100-110)", e);
      }
    }
    return new VlanSet(b);
  }

  private static int check(int id) {
    if (id < MIN || id > MAX) {
      throw new IllegalArgumentException("VLAN " + id + " is not within " + MIN + "-" + MAX);
    }
    return id;
  }

  public VlanSet union(VlanSet other) {
    BitSet b = (BitSet) bits.clone();
    b.or(other.bits);
    return new VlanSet(b);
  }

  public VlanSet intersect(VlanSet other) {
    BitSet b = (BitSet) bits.clone();
    b.and(other.bits);
    return new VlanSet(b);
  }

  public VlanSet minus(VlanSet other) {
    BitSet b = (BitSet) bits.clone();
    b.andNot(other.bits);
    return new VlanSet(b);
  }

  public boolean contains(int id) {
    return bits.get(id);
  }

  public boolean containsAll(VlanSet other) {
    BitSet b = (BitSet) other.bits.clone();
    b.andNot(bits);
    return b.isEmpty();
  }

  public boolean isEmpty() {
    return bits.isEmpty();
  }

  public int size() {
    return bits.cardinality();
  }

  public List<Range> ranges() {
    List<Range> out = new ArrayList<>();
    for (int start = bits.nextSetBit(0); start >= 0; ) {
      int end = bits.nextClearBit(start);
      out.add(new Range(start, end - 1));
      start = bits.nextSetBit(end);
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VlanSet v && bits.equals(v.bits);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(bits);
  }

  /** "100-102,200"; "none" for the empty set. */
  @Override
  public String toString() {
    if (bits.isEmpty()) {
      return "none";
    }
    StringBuilder s = new StringBuilder();
    for (Range r : ranges()) {
      if (s.length() > 0) {
        s.append(',');
      }
      s.append(r.first());
      if (r.last() != r.first()) {
        s.append('-').append(r.last());
      }
    }
    return s.toString();
  }
}
