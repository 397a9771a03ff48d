package io.switchplane.agent.backend;

import io.switchplane.agent.backend.openflow.Flow;
import io.switchplane.agent.backend.openflow.FlowMatch;
import io.switchplane.agent.backend.openflow.FlowMod;
import io.switchplane.agent.backend.openflow.OpenFlowException;
import io.switchplane.agent.backend.openflow.OpenFlowSwitch;
import io.switchplane.agent.backend.openflow.VlanPipeline;
import io.switchplane.agent.backend.openflow.VlanPipeline.Mode;
import io.switchplane.agent.backend.openflow.VlanPipeline.Range;
import io.switchplane.api.v1.EffectivePolicy;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.Untagged;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanTrunk;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The VLANs of the ovs backend's bridges as OpenFlow flows ({@link VlanPipeline}): one OpenFlow
 * session per bridge (its management socket, BRIDGE.mgmt, beside the OVSDB socket), and the
 * translation between a port's config and its {@link Mode}. The ports' other settings stay in
 * OVSDB; a VLAN change is then a bundle of flow changes, not an OVSDB transaction.
 */
final class OpenFlowVlans implements AutoCloseable {
  private final Path runDir;
  private final Duration timeout;
  private final Map<String, OpenFlowSwitch> switches = new ConcurrentHashMap<>();

  /**
   * Per bridge, our flows as last read or written, so that an apply diffs against them without
   * reading the whole flow table back (its cost grows with the ports, not the change). Only an
   * apply remembers (applies are serialised per DVS, a drift check's read is not); forgotten on any
   * OpenFlow failure and by every read ({@link #read}), which the drift checks do, so the repair of
   * a flow changed by hand reads the flows afresh.
   */
  private final Map<String, Map<Flow.Key, Flow>> flows = new ConcurrentHashMap<>();

  /**
   * Per bridge, each OpenFlow port's mode as last written: what the ports an apply does not touch
   * keep. Kept across reads: after ovs-vswitchd restarted, the flows are gone but what they were is
   * not, so the next apply writes them whole again.
   */
  private final Map<String, Map<Integer, Mode>> written = new ConcurrentHashMap<>();

  /** What is known of a bridge: its flows by key and its ports' modes. */
  record Known(Map<Flow.Key, Flow> flows, Map<Integer, Mode> modes) {}

  /** Sessions to the bridges whose management sockets are in runDir. Does no I/O. */
  OpenFlowVlans(Path runDir, Duration timeout) {
    this.runDir = runDir;
    this.timeout = timeout;
  }

  private OpenFlowSwitch of(String bridge) {
    return switches.computeIfAbsent(
        bridge, b -> new OpenFlowSwitch(runDir.resolve(b + ".mgmt"), timeout));
  }

  /** Our flows on the bridge, read now (what was known of them is forgotten). */
  List<Flow> read(String bridge) throws OpenFlowException {
    flows.remove(bridge);
    return of(bridge).flows(VlanPipeline.COOKIE, VlanPipeline.COOKIE_MASK);
  }

  /** The bridge's flows as last written or remembered, if known. */
  java.util.Optional<Map<Flow.Key, Flow>> flows(String bridge) {
    return java.util.Optional.ofNullable(flows.get(bridge));
  }

  /** Each OpenFlow port's mode as last written on the bridge, if anything was. */
  java.util.Optional<Map<Integer, Mode>> written(String bridge) {
    return java.util.Optional.ofNullable(written.get(bridge));
  }

  /** Remembers the bridge's flows as just read. */
  void remember(String bridge, Collection<Flow> read) {
    Map<Flow.Key, Flow> byKey = new java.util.HashMap<>();
    read.forEach(f -> byKey.put(f.key(), f));
    flows.put(bridge, byKey);
  }

  /**
   * Makes our flows on the bridge want, from has (ours as they are): one atomic bundle; then want
   * and modes are what is known of the bridge (its flows unknown when it failed).
   */
  void change(
      String bridge, Collection<Flow> has, Map<Flow.Key, Flow> want, Map<Integer, Mode> modes)
      throws OpenFlowException {
    flows.remove(bridge);
    OpenFlowSwitch sw = of(bridge);
    long session = sw.sessions();
    List<FlowMod> mods = VlanPipeline.changes(has, want);
    if (!mods.isEmpty()) {
      sw.apply(mods);
    }
    if (sw.sessions() != session) {
      // A new session: ovs-vswitchd may have restarted and lost flows that has still counted, so
      // the changes may not be all it needs. Complete them from what it has now.
      List<FlowMod> rest =
          VlanPipeline.changes(sw.flows(VlanPipeline.COOKIE, VlanPipeline.COOKIE_MASK), want);
      if (!rest.isEmpty()) {
        sw.apply(rest);
      }
    }
    flows.put(bridge, Map.copyOf(want));
    written.put(bridge, Map.copyOf(modes));
  }

  /** Sends frame into the bridge's pipeline as if it came in on ofport. */
  void packetOut(String bridge, int ofport, byte[] frame) throws OpenFlowException {
    of(bridge).packetOut(ofport, frame);
  }

  /** The port's VLAN mode as its config says. */
  static Mode mode(EffectivePort p) {
    Vlan vlan = p.getPolicy().getVlan();
    Mode base;
    if (vlan.hasTrunk()) {
      List<Range> ranges = new ArrayList<>();
      List<VlanRange> sorted = new ArrayList<>(vlan.getTrunk().getRangesList());
      sorted.sort(java.util.Comparator.comparingInt(VlanRange::getFirst));
      int first = -1;
      int last = -1;
      for (VlanRange r : sorted) { // merged as the read-back merges them
        if (first >= 0 && r.getFirst() <= last + 1) {
          last = Math.max(last, r.getLast());
          continue;
        }
        if (first >= 0) {
          ranges.add(new Range(first, last));
        }
        first = r.getFirst();
        last = r.getLast();
      }
      if (first >= 0) {
        ranges.add(new Range(first, last));
      }
      base = ranges.isEmpty() ? new Mode.Untagged() : new Mode.Trunk(ranges);
    } else if (vlan.getAccessId() > 0) {
      base = new Mode.Access(vlan.getAccessId());
    } else {
      base = new Mode.Untagged();
    }
    return p.getPolicy().getBlocked() ? new Mode.Blocked(base) : base;
  }

  /** policy with the VLAN and blocking that mode says (blocked, no VLAN: missing flows). */
  static EffectivePolicy withMode(EffectivePolicy policy, Mode mode) {
    EffectivePolicy.Builder b = policy.toBuilder();
    if (mode instanceof Mode.Missing) {
      return b.clearVlan().setBlocked(true).build();
    }
    Mode vlan = mode instanceof Mode.Blocked blocked ? blocked.vlan() : mode;
    b.setBlocked(mode instanceof Mode.Blocked);
    if (vlan instanceof Mode.Access a) {
      b.setVlan(Vlan.newBuilder().setAccessId(a.vid()));
    } else if (vlan instanceof Mode.Trunk t) {
      VlanTrunk.Builder trunk = VlanTrunk.newBuilder();
      for (Range r : t.ranges()) {
        trunk.addRanges(VlanRange.newBuilder().setFirst(r.first()).setLast(r.last()));
      }
      b.setVlan(Vlan.newBuilder().setTrunk(trunk));
    } else {
      b.setVlan(Vlan.newBuilder().setUntagged(Untagged.getDefaultInstance()));
    }
    return b.build();
  }

  /** The port's config without what the flows hold (its VLAN and blocking): what OVSDB keeps. */
  static EffectivePort withoutVlan(EffectivePort p) {
    return p.toBuilder().setPolicy(p.getPolicy().toBuilder().clearVlan().setBlocked(false)).build();
  }

  /** A VM NIC's MAC as 48 bits, or none. */
  static long mac(EffectivePort p) {
    if (!p.getConnectee().hasVmNic()) {
      return FlowMatch.ANY_MAC;
    }
    String[] parts = p.getConnectee().getVmNic().getMac().split("[:-]");
    if (parts.length != 6) {
      return FlowMatch.ANY_MAC;
    }
    long mac = 0;
    try {
      for (String part : parts) {
        int octet = Integer.parseInt(part, 16);
        if (octet < 0 || octet > 255 || part.length() > 2) {
          return FlowMatch.ANY_MAC;
        }
        mac = (mac << 8) | octet;
      }
    } catch (NumberFormatException e) {
      return FlowMatch.ANY_MAC;
    }
    return mac;
  }

  @Override
  public void close() {
    switches.values().forEach(OpenFlowSwitch::close);
    switches.clear();
    flows.clear();
    written.clear();
  }
}
