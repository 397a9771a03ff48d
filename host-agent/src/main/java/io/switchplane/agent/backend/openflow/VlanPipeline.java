package io.switchplane.agent.backend.openflow;

import io.switchplane.agent.backend.openflow.FlowAction.Output;
import io.switchplane.agent.backend.openflow.FlowAction.PopVlan;
import io.switchplane.agent.backend.openflow.FlowAction.PushVlan;
import io.switchplane.agent.backend.openflow.FlowAction.SetVlanVid;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An 802.1Q switch as OpenFlow flows: what the bridge's NORMAL action does with the Port table's
 * {@code tag} and {@code trunks}, but as flow entries, so that moving a port to another VLAN is a
 * few flow changes instead of an OVSDB transaction (which makes ovs-vswitchd reconfigure its whole
 * bridge: about 2 ms of CPU in ovs-vswitchd and ovsdb-server per apply, against 0.2 ms for a bundle
 * of flow changes). Pure: it computes the flows of a set of ports, the changes from one flow set to
 * another, and reads port VLAN modes back from flows.
 *
 * <p>Two tables, as a hardware switch's ingress and forwarding stages:
 *
 * <ul>
 *   <li><b>Table 0, ingress</b> (priority 100, one or more flows per port): an access port takes
 *       untagged frames and tags them with its VLAN; a trunk takes frames tagged with its VLANs
 *       (one flow per VID block: a range is at most 22 masked matches); an untagged port (VLAN type
 *       none) takes everything as it is; a blocked port keeps its mode's flows under the {@link
 *       #BLOCKED} cookie, dropping instead of going on (so its mode reads back). Anything else hits
 *       the priority-0 drop. Frames go on to table 1 tagged with their VLAN (or untagged, from an
 *       untagged port).
 *   <li><b>Table 1, forwarding</b>: a frame for the known MAC of an access port (a VM NIC's, from
 *       its config, as vSphere and OVN forward to a known vNIC without learning) goes to that port
 *       only, untagged (priority 100). Every other frame of a VLAN floods to the VLAN's members
 *       (priority 10): first the trunks and untagged ports, tagged, then the tag popped and the
 *       access ports. VLANs with the same members share flows (VID blocks again). OpenFlow never
 *       sends a frame back out of its in_port. Untagged frames flood to the untagged ports. There
 *       is no learning: unicast for a MAC no port is known by floods (to every member, as NORMAL
 *       does before it has learnt the MAC, so a VM whose MAC is not its config's still gets its
 *       frames). Frames to IEEE 802.1D's reserved addresses (STP, LACP, LLDP...) are dropped at
 *       ingress, as NORMAL does.
 * </ul>
 *
 * All flows carry {@link #COOKIE} under {@link #COOKIE_MASK}, so that reading and changing ours
 * never touches anyone else's.
 */
public final class VlanPipeline {
  /** Our flows' cookie ("Sp"), under {@link #COOKIE_MASK}. */
  public static final long COOKIE = 0x5370_0000_0000_0000L;

  public static final long COOKIE_MASK = 0xffff_0000_0000_0000L;

  /** Marks the ingress flows of a blocked port. */
  static final long BLOCKED = 0x1_0000L;

  static final int INGRESS = 0;
  static final int FORWARD = 1;
  static final int PORT_PRIORITY = 100;
  static final int FLOOD_PRIORITY = 10;
  static final int DROP_PRIORITY = 0;
  static final int RESERVED_PRIORITY = 200;

  /**
   * 01:80:c2:00:00:00 to 0f, IEEE 802.1D's reserved addresses (STP, LACP, pause, LLDP, 802.1X),
   * which a bridge never forwards: NORMAL drops them too (without other_config:forward-bpdu).
   */
  private static final long RESERVED = 0x0180_c200_0000L;

  private static final long RESERVED_MASK = 0xffff_ffff_fff0L;
  private static final int MAX_VID = 4094;

  private VlanPipeline() {}

  /** How a port treats VLANs. */
  public sealed interface Mode {
    /** Untagged frames in VLAN vid (1-4094). */
    record Access(int vid) implements Mode {}

    /** Frames tagged with these VLANs; ranges sorted, disjoint and not adjacent. */
    record Trunk(List<Range> ranges) implements Mode {
      public Trunk {
        ranges = List.copyOf(ranges);
      }
    }

    /** Every frame as it is (VLAN type none). */
    record Untagged() implements Mode {}

    /**
     * No frame in or out; vlan is what the port is when unblocked (access, trunk or untagged), kept
     * in its ingress flows, which drop instead of going on.
     */
    record Blocked(Mode vlan) implements Mode {
      public Blocked {
        if (vlan instanceof Blocked || vlan instanceof Missing || vlan == null) {
          throw new IllegalArgumentException("a blocked port's VLAN mode is " + vlan);
        }
      }
    }

    /**
     * Read back only: the port's flows are not those of any mode (none at all after ovs-vswitchd
     * restarted, or some changed by hand); it passes no traffic as configured. As input: no flow.
     */
    record Missing() implements Mode {}
  }

  /** VIDs first..last. */
  public record Range(int first, int last) {
    public Range {
      if (first < 1 || last > MAX_VID || first > last) {
        throw new IllegalArgumentException("VLAN range " + first + "-" + last);
      }
    }
  }

  /**
   * One port of the bridge: its OpenFlow port number, VLAN mode and, when it is a VM NIC, its MAC
   * (48 bits, or {@link FlowMatch#ANY_MAC}).
   */
  public record Port(int ofport, Mode mode, long mac) {
    public Port {
      Objects.requireNonNull(mode, "mode");
      if (ofport == 0 || ofport == FlowMatch.ANY) {
        throw new IllegalArgumentException("OpenFlow port " + ofport + " is no port");
      }
    }
  }

  /** The flows of a bridge with these ports, by key. */
  public static Map<Flow.Key, Flow> flows(Collection<Port> ports) {
    List<Port> sorted = new ArrayList<>(ports);
    sorted.sort(Comparator.comparingInt(Port::ofport));
    Map<Flow.Key, Flow> out = new LinkedHashMap<>();
    put(out, new Flow(INGRESS, DROP_PRIORITY, COOKIE, FlowMatch.all(), List.of(), Flow.NO_GOTO));
    put(out, new Flow(FORWARD, DROP_PRIORITY, COOKIE, FlowMatch.all(), List.of(), Flow.NO_GOTO));
    put(
        out,
        new Flow(
            INGRESS,
            RESERVED_PRIORITY,
            COOKIE,
            FlowMatch.all().ethDst(RESERVED, RESERVED_MASK),
            List.of(),
            Flow.NO_GOTO));
    for (Port p : sorted) {
      ingress(out, p);
    }
    knownMacs(out, sorted);
    flood(out, sorted);
    return out;
  }

  private static void put(Map<Flow.Key, Flow> out, Flow f) {
    out.put(f.key(), f);
  }

  private static void ingress(Map<Flow.Key, Flow> out, Port p) {
    if (p.mode() instanceof Mode.Blocked b) {
      ingress(out, p.ofport(), b.vlan(), COOKIE | BLOCKED, Flow.NO_GOTO);
    } else {
      ingress(out, p.ofport(), p.mode(), COOKIE, FORWARD);
    }
  }

  /** The ingress flows of a port in mode; a blocked port's drop (no goto) under their cookie. */
  private static void ingress(
      Map<Flow.Key, Flow> out, int ofport, Mode mode, long cookie, int gotoTable) {
    FlowMatch in = FlowMatch.inPort(ofport);
    if (mode instanceof Mode.Access a) {
      put(
          out,
          new Flow(
              INGRESS,
              PORT_PRIORITY,
              cookie,
              in.untagged(),
              List.of(new PushVlan(), new SetVlanVid(a.vid())),
              gotoTable));
    } else if (mode instanceof Mode.Trunk t) {
      for (Range r : t.ranges()) {
        for (int[] block : blocks(r.first(), r.last())) {
          put(
              out,
              new Flow(
                  INGRESS,
                  PORT_PRIORITY,
                  cookie,
                  in.vlanBlock(block[0], block[1]),
                  List.of(),
                  gotoTable));
        }
      }
    } else if (mode instanceof Mode.Untagged) {
      put(out, new Flow(INGRESS, PORT_PRIORITY, cookie, in, List.of(), gotoTable));
    } // missing: no flow
  }

  /** Frames for an access port's one MAC go to it alone; a MAC two ports share floods instead. */
  private static void knownMacs(Map<Flow.Key, Flow> out, List<Port> ports) {
    Map<FlowMatch, Integer> owner = new HashMap<>();
    Map<FlowMatch, Boolean> shared = new HashMap<>();
    for (Port p : ports) {
      if (p.mac() == FlowMatch.ANY_MAC
          || (p.mac() & 0x0100_0000_0000L) != 0 // a group address is never one port's
          || !(p.mode() instanceof Mode.Access a)) {
        continue;
      }
      FlowMatch m = FlowMatch.all().vlan(a.vid()).ethDst(p.mac());
      if (owner.putIfAbsent(m, p.ofport()) != null) {
        shared.put(m, true);
      }
    }
    owner.forEach(
        (m, port) -> {
          if (!shared.containsKey(m)) {
            put(
                out,
                new Flow(
                    FORWARD,
                    PORT_PRIORITY,
                    COOKIE,
                    m,
                    List.of(new PopVlan(), new Output(port)),
                    Flow.NO_GOTO));
          }
        });
  }

  /**
   * Per run of VIDs with the same members, the flood: tagged out of trunks and untagged ports, then
   * untagged out of access ports. A VLAN with fewer than two members floods nowhere.
   */
  private static void flood(Map<Flow.Key, Flow> out, List<Port> ports) {
    TreeSet<Integer> bounds = new TreeSet<>(List.of(1, MAX_VID + 1));
    List<Port> untagged = new ArrayList<>();
    for (Port p : ports) {
      if (p.mode() instanceof Mode.Access a) {
        bounds.add(a.vid());
        bounds.add(a.vid() + 1);
      } else if (p.mode() instanceof Mode.Trunk t) {
        for (Range r : t.ranges()) {
          bounds.add(r.first());
          bounds.add(r.last() + 1);
        }
      } else if (p.mode() instanceof Mode.Untagged) {
        untagged.add(p);
      }
    }
    // VID runs whose members are the same, merged: flows per run, not per VLAN.
    List<FlowAction> previous = null;
    Integer[] b = bounds.toArray(new Integer[0]);
    int runStart = -1;
    for (int i = 0; i + 1 < b.length; i++) {
      List<FlowAction> actions = floodActions(ports, b[i]);
      if (!actions.equals(previous)) {
        if (previous != null) {
          emitFlood(out, runStart, b[i] - 1, previous);
        }
        previous = actions;
        runStart = b[i];
      }
    }
    if (previous != null) {
      emitFlood(out, runStart, MAX_VID, previous);
    }
    if (untagged.size() >= 2) {
      List<FlowAction> actions = new ArrayList<>();
      for (Port p : untagged) {
        actions.add(new Output(p.ofport()));
      }
      put(
          out,
          new Flow(
              FORWARD, FLOOD_PRIORITY, COOKIE, FlowMatch.all().untagged(), actions, Flow.NO_GOTO));
    }
  }

  /** The flood of VLAN vid: empty when it has fewer than two members. */
  private static List<FlowAction> floodActions(List<Port> ports, int vid) {
    List<FlowAction> tagged = new ArrayList<>();
    List<FlowAction> access = new ArrayList<>();
    for (Port p : ports) {
      if (p.mode() instanceof Mode.Access a) {
        if (a.vid() == vid) {
          access.add(new Output(p.ofport()));
        }
      } else if (p.mode() instanceof Mode.Trunk t) {
        if (carries(t, vid)) {
          tagged.add(new Output(p.ofport()));
        }
      } else if (p.mode() instanceof Mode.Untagged) {
        tagged.add(new Output(p.ofport()));
      }
    }
    return tagged.size() + access.size() < 2 ? List.of() : withAccess(tagged, access);
  }

  /** Out of the tagged ports as the frame is, then popped out of the access ports. */
  private static List<FlowAction> withAccess(List<FlowAction> tagged, List<FlowAction> access) {
    List<FlowAction> actions = new ArrayList<>(tagged);
    if (!access.isEmpty()) {
      actions.add(new PopVlan());
      actions.addAll(access);
    }
    return actions;
  }

  private static boolean carries(Mode.Trunk t, int vid) {
    for (Range r : t.ranges()) {
      if (vid >= r.first() && vid <= r.last()) {
        return true;
      }
    }
    return false;
  }

  private static void emitFlood(
      Map<Flow.Key, Flow> out, int first, int last, List<FlowAction> actions) {
    if (actions.isEmpty()) {
      return;
    }
    for (int[] block : blocks(first, last)) {
      put(
          out,
          new Flow(
              FORWARD,
              FLOOD_PRIORITY,
              COOKIE,
              FlowMatch.all().vlanBlock(block[0], block[1]),
              actions,
              Flow.NO_GOTO));
    }
  }

  /**
   * VIDs first..last as aligned blocks {vid, mask}: each block is the VIDs that agree with vid on
   * the mask's bits (at most 22 for a range of 12-bit VIDs).
   */
  static List<int[]> blocks(int first, int last) {
    List<int[]> out = new ArrayList<>();
    int v = first;
    while (v <= last) {
      int size = v == 0 ? 0x1000 : Integer.lowestOneBit(v);
      while (v + size - 1 > last) {
        size >>= 1;
      }
      out.add(new int[] {v, 0xfff & ~(size - 1)});
      v += size;
    }
    return out;
  }

  /**
   * The changes that turn the flows has (ours as read back) into want: deletes of ours that want
   * has not, adds of what is new or different.
   */
  public static List<FlowMod> changes(Collection<Flow> has, Map<Flow.Key, Flow> want) {
    Map<Flow.Key, Flow> current = new HashMap<>();
    for (Flow f : has) {
      current.put(f.key(), f);
    }
    List<FlowMod> mods = new ArrayList<>();
    for (Flow f : current.values()) {
      if (!want.containsKey(f.key())) {
        mods.add(FlowMod.delete(f));
      }
    }
    for (Flow f : want.values()) {
      if (!f.equals(current.get(f.key()))) {
        mods.add(FlowMod.add(f));
      }
    }
    return mods;
  }

  /**
   * Each port's VLAN mode as the flows in has (ours, read back) say, for the ports given (OpenFlow
   * port number → its MAC or {@link FlowMatch#ANY_MAC}): the mode its ingress flows give, and
   * blocked for a port with none, with ingress flows of no one mode, or with a forwarding flow that
   * is not what its mode and the other ports' make (one deleted or changed by hand): such a port
   * does not pass traffic as a mode would, and reading it as blocked makes it drift, which the
   * repair rewrites.
   */
  public static Map<Integer, Mode> observe(Collection<Flow> has, Map<Integer, Long> macs) {
    Map<Integer, Mode> modes = modes(has, macs.keySet());
    List<Port> ports = new ArrayList<>();
    macs.forEach((port, mac) -> ports.add(new Port(port, modes.get(port), mac)));
    for (FlowMod m : changes(has, flows(ports))) {
      Flow f = m.flow();
      Flow.Key key = f.key();
      markMissing(modes, f);
      for (Flow h : has) {
        if (h.key().equals(key)) {
          markMissing(modes, h);
        }
      }
    }
    return modes;
  }

  private static void markMissing(Map<Integer, Mode> modes, Flow f) {
    if (modes.containsKey(f.match().inPort())) {
      modes.put(f.match().inPort(), new Mode.Missing());
    }
    for (FlowAction a : f.actions()) {
      if (a instanceof Output o && modes.containsKey(o.port())) {
        modes.put(o.port(), new Mode.Missing());
      }
    }
  }

  /**
   * Each port's VLAN mode as the ingress flows in has say, for the ports given (by OpenFlow port
   * number): a port with no ingress flow, or ingress flows of no one mode, is missing. Unlike
   * {@link #observe} it ignores the forwarding table: the modes to rebuild it from.
   */
  public static Map<Integer, Mode> modes(Collection<Flow> has, Collection<Integer> ofports) {
    Map<Integer, List<Flow>> byPort = new HashMap<>();
    for (Flow f : has) {
      if (f.table() == INGRESS
          && f.priority() == PORT_PRIORITY
          && f.match().inPort() != FlowMatch.ANY) {
        byPort.computeIfAbsent(f.match().inPort(), k -> new ArrayList<>()).add(f);
      }
    }
    Map<Integer, Mode> out = new HashMap<>();
    for (int port : ofports) {
      out.put(port, mode(byPort.getOrDefault(port, List.of())));
    }
    return out;
  }

  private static Mode mode(List<Flow> ingress) {
    if (ingress.isEmpty()) {
      return new Mode.Missing();
    }
    boolean blocked = (ingress.get(0).cookie() & ~COOKIE_MASK) == BLOCKED;
    long cookie = blocked ? COOKIE | BLOCKED : COOKIE;
    int gotoTable = blocked ? Flow.NO_GOTO : FORWARD;
    for (Flow f : ingress) {
      if (f.cookie() != cookie
          || f.gotoTable() != gotoTable
          || f.match().ethDst() != FlowMatch.ANY_MAC) {
        return new Mode.Missing(); // not flows we write
      }
    }
    Mode vlan = vlanMode(ingress);
    return blocked && !(vlan instanceof Mode.Missing) ? new Mode.Blocked(vlan) : vlan;
  }

  /** The access, trunk or untagged mode that ingress flows of one cookie and goto make. */
  private static Mode vlanMode(List<Flow> ingress) {
    if (ingress.size() == 1) {
      Flow f = ingress.get(0);
      FlowMatch m = f.match();
      if (m.vlanVid() == FlowMatch.ANY && f.actions().isEmpty()) {
        return new Mode.Untagged();
      }
      if (m.vlanVid() == 0
          && m.vlanMask() == FlowMatch.EXACT
          && f.actions().size() == 2
          && f.actions().get(0) instanceof PushVlan
          && f.actions().get(1) instanceof SetVlanVid set
          && set.vid() >= 1
          && set.vid() <= MAX_VID) {
        return new Mode.Access(set.vid());
      }
    }
    // A trunk: blocks of tagged VIDs, merged into ranges.
    TreeMap<Integer, Integer> spans = new TreeMap<>();
    for (Flow f : ingress) {
      FlowMatch m = f.match();
      if (!f.actions().isEmpty()
          || m.vlanVid() == FlowMatch.ANY
          || (m.vlanVid() & FlowMatch.VLAN_PRESENT) == 0
          || (m.vlanMask() & FlowMatch.VLAN_PRESENT) == 0) {
        return new Mode.Missing();
      }
      int mask = m.vlanMask() & 0xfff;
      int first = m.vlanVid() & 0xfff;
      int last = first | (~mask & 0xfff);
      if (first < 1 || last > MAX_VID) {
        return new Mode.Missing();
      }
      spans.merge(first, last, Math::max);
    }
    List<Range> ranges = new ArrayList<>();
    int first = -1;
    int last = -1;
    for (Map.Entry<Integer, Integer> e : spans.entrySet()) {
      if (first >= 0 && e.getKey() <= last + 1) {
        last = Math.max(last, e.getValue());
        continue;
      }
      if (first >= 0) {
        ranges.add(new Range(first, last));
      }
      first = e.getKey();
      last = e.getValue();
    }
    ranges.add(new Range(first, last));
    return new Mode.Trunk(ranges);
  }
}
