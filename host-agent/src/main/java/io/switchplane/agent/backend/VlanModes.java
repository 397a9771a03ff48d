package io.switchplane.agent.backend;

import io.switchplane.agent.backend.openflow.FlowMatch;
import io.switchplane.agent.backend.openflow.VlanPipeline.Mode;
import io.switchplane.agent.backend.openflow.VlanPipeline.Range;
import io.switchplane.api.v1.EffectivePolicy;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.Untagged;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanTrunk;
import java.util.ArrayList;
import java.util.List;

/**
 * A port's config and its {@link Mode} in the OpenFlow VLAN pipeline, both ways: what the flows
 * must make of a config, and the VLAN and blocking a config has when read back from flows.
 */
final class VlanModes {
  private VlanModes() {}

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
}
