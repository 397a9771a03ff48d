package io.switchplane.agent.backend.openflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.agent.backend.openflow.FlowAction.Output;
import io.switchplane.agent.backend.openflow.FlowAction.PopVlan;
import io.switchplane.agent.backend.openflow.FlowAction.PushVlan;
import io.switchplane.agent.backend.openflow.FlowAction.SetVlanVid;
import io.switchplane.agent.backend.openflow.VlanPipeline.Mode;
import io.switchplane.agent.backend.openflow.VlanPipeline.Port;
import io.switchplane.agent.backend.openflow.VlanPipeline.Range;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VlanPipelineTest {
  private static final long NO_MAC = FlowMatch.ANY_MAC;

  /** A frame leaving the switch: its port and its VID (0 untagged). */
  record Out(int port, int vid) {}

  @Test
  void blocksCoverARangeExactlyAndFew() {
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      int a = 1 + random.nextInt(4094);
      int b = a + random.nextInt(4095 - a);
      List<int[]> blocks = VlanPipeline.blocks(a, b);
      Set<Integer> covered = new HashSet<>();
      for (int[] block : blocks) {
        for (int v = 0; v < 4096; v++) {
          if ((v & block[1]) == block[0]) {
            assertThat(covered.add(v)).as("VID %d in two blocks", v).isTrue();
          }
        }
      }
      assertThat(covered).hasSize(b - a + 1);
      assertThat(covered).allMatch(v -> v >= a && v <= b);
      assertThat(blocks.size()).isLessThanOrEqualTo(22);
    }
    assertThat(VlanPipeline.blocks(1, 4094)).hasSize(22);
    assertThat(VlanPipeline.blocks(100, 100)).hasSize(1);
  }

  @Test
  void twoAccessPortsAndATrunk() {
    List<Port> ports =
        List.of(
            new Port(1, new Mode.Access(100), 0x02_00_00_00_00_01L),
            new Port(2, new Mode.Access(100), NO_MAC),
            new Port(3, new Mode.Trunk(List.of(new Range(100, 100), new Range(200, 300))), NO_MAC));
    Map<Flow.Key, Flow> flows = VlanPipeline.flows(ports);
    assertThat(flows.values())
        .contains(
            new Flow(
                0,
                100,
                VlanPipeline.COOKIE,
                FlowMatch.inPort(1).untagged(),
                List.of(new PushVlan(), new SetVlanVid(100)),
                1),
            new Flow(
                1,
                100,
                VlanPipeline.COOKIE,
                FlowMatch.all().vlan(100).ethDst(0x02_00_00_00_00_01L),
                List.of(new PopVlan(), new Output(1)),
                Flow.NO_GOTO),
            new Flow(
                1,
                10,
                VlanPipeline.COOKIE,
                FlowMatch.all().vlan(100),
                List.of(new Output(3), new PopVlan(), new Output(1), new Output(2)),
                Flow.NO_GOTO));
    // VLANs 200-300 have one member: no flood for them.
    assertThat(flows.values())
        .noneMatch(f -> f.table() == 1 && f.priority() == 10 && f.match().vlanVid() != 0x1064);
    // The frame walk: from port 1 to an unknown MAC reaches 2 untagged and 3 tagged.
    assertThat(walk(flows.values(), 1, 0, 0xffff_ffff_ffffL))
        .containsExactlyInAnyOrder(new Out(2, 0), new Out(3, 100));
    assertThat(walk(flows.values(), 3, 100, 0x02_00_00_00_00_01L)).containsExactly(new Out(1, 0));
    assertThat(walk(flows.values(), 3, 250, 0xffff_ffff_ffffL)).isEmpty();
    assertThat(walk(flows.values(), 1, 100, 0xffff_ffff_ffffL)).as("tagged on access").isEmpty();
  }

  /** The flows forward every frame as an 802.1Q switch (OVS's NORMAL with tag/trunks) would. */
  @Test
  void forwardsAsAnEightOTwoDotOneQSwitch() {
    Random random = new Random(42);
    int[] vids = {1, 2, 3, 100, 101, 4094};
    for (int round = 0; round < 300; round++) {
      List<Port> ports = randomPorts(random, vids);
      Map<Flow.Key, Flow> flows = VlanPipeline.flows(ports);
      for (Port from : ports) {
        for (int vid : new int[] {0, 1, 2, 3, 100, 101, 4094, 7}) {
          List<Long> destinations =
              new ArrayList<>(List.of(0xffff_ffff_ffffL, 0x02_00_00_00_00_99L, 0x0180_c200_0000L));
          for (Port to : ports) {
            if (to.mac() != NO_MAC) {
              destinations.add(to.mac());
            }
          }
          for (long mac : destinations) {
            assertThat(walk(flows.values(), from.ofport(), vid, mac))
                .as("round %d, from %s vid %d to %x in %s", round, from, vid, mac, ports)
                .containsExactlyInAnyOrderElementsOf(reference(ports, from, vid, mac));
          }
        }
      }
    }
  }

  @Test
  void observeReadsEveryModeBack() {
    Random random = new Random(3);
    int[] vids = {1, 5, 6, 7, 8, 100, 4094};
    for (int round = 0; round < 300; round++) {
      List<Port> ports = randomPorts(random, vids);
      Map<Integer, Long> macs = new HashMap<>();
      Map<Integer, Mode> expected = new HashMap<>();
      for (Port p : ports) {
        macs.put(p.ofport(), p.mac());
        expected.put(p.ofport(), p.mode());
      }
      assertThat(VlanPipeline.observe(VlanPipeline.flows(ports).values(), macs))
          .isEqualTo(expected);
    }
  }

  @Test
  void aFlowChangedByHandReadsAsBlockedPorts() {
    List<Port> ports =
        List.of(
            new Port(1, new Mode.Access(100), NO_MAC),
            new Port(2, new Mode.Access(100), NO_MAC),
            new Port(3, new Mode.Access(200), NO_MAC),
            new Port(4, new Mode.Access(200), NO_MAC));
    List<Flow> has = new ArrayList<>(VlanPipeline.flows(ports).values());
    has.removeIf(f -> f.table() == 1 && f.match().equals(FlowMatch.all().vlan(100)));
    Map<Integer, Long> macs = Map.of(1, NO_MAC, 2, NO_MAC, 3, NO_MAC, 4, NO_MAC);
    assertThat(VlanPipeline.observe(has, macs))
        .containsEntry(1, new Mode.Missing())
        .containsEntry(2, new Mode.Missing())
        .containsEntry(3, new Mode.Access(200))
        .containsEntry(4, new Mode.Access(200));
  }

  @Test
  void movingPortsChangesFewFlowsAndChangesConverge() {
    List<Port> before = new ArrayList<>();
    List<Port> after = new ArrayList<>();
    before.add(new Port(100, new Mode.Trunk(List.of(new Range(1, 4094))), NO_MAC));
    after.add(before.get(0));
    for (int i = 1; i <= 30; i++) {
      long mac = 0x02_00_00_00_00_00L + i;
      before.add(new Port(i, new Mode.Access(i <= 15 ? 100 : 300), mac));
      after.add(new Port(i, new Mode.Access(i <= 15 ? 200 : 300), mac));
    }
    Collection<Flow> has = VlanPipeline.flows(before).values();
    Map<Flow.Key, Flow> want = VlanPipeline.flows(after);
    List<FlowMod> mods = VlanPipeline.changes(has, want);
    // 15 ingress, 15 MAC deletes and adds, a few flood blocks around 100 and 200
    assertThat(mods.size()).isBetween(45, 75);
    Map<Flow.Key, Flow> applied = new HashMap<>();
    has.forEach(f -> applied.put(f.key(), f));
    for (FlowMod m : mods) {
      if (m.command() == FlowMod.Command.ADD) {
        applied.put(m.flow().key(), m.flow());
      } else {
        applied.remove(m.flow().key());
      }
    }
    assertThat(applied).isEqualTo(want);
    assertThat(VlanPipeline.changes(want.values(), want)).isEmpty();
  }

  private static List<Port> randomPorts(Random random, int[] vids) {
    int n = 1 + random.nextInt(6);
    List<Port> ports = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      Mode mode =
          switch (random.nextInt(5)) {
            case 0, 1 -> new Mode.Access(vids[random.nextInt(vids.length)]);
            case 2 -> {
              int a = vids[random.nextInt(vids.length)];
              int b = Math.min(4094, a + random.nextInt(3));
              List<Range> ranges = new ArrayList<>(List.of(new Range(a, b)));
              if (b + 2 <= 4094 && random.nextBoolean()) {
                ranges.add(new Range(b + 2, Math.min(4094, b + 2 + random.nextInt(200))));
              }
              yield new Mode.Trunk(ranges);
            }
            case 3 -> new Mode.Untagged();
            default -> new Mode.Blocked(new Mode.Access(vids[random.nextInt(vids.length)]));
          };
      if (random.nextInt(8) == 0 && !(mode instanceof Mode.Blocked)) {
        mode = new Mode.Blocked(mode);
      }
      long mac = random.nextInt(3) == 0 ? NO_MAC : 0x02_00_00_00_00_00L + random.nextInt(4);
      ports.add(new Port(i * 3, mode, mac));
    }
    return ports;
  }

  /** What an 802.1Q switch does with the frame (OVS NORMAL with its tag/trunks, known MACs). */
  private static Set<Out> reference(List<Port> ports, Port from, int vid, long dst) {
    Integer vlan = ingressVlan(from.mode(), vid);
    Set<Out> out = new HashSet<>();
    if (vlan == null || (dst & 0xffff_ffff_fff0L) == 0x0180_c200_0000L) {
      return out; // IEEE 802.1D reserved addresses are never forwarded
    }
    List<Port> owners = new ArrayList<>();
    for (Port q : ports) {
      if (q.mac() == dst && q.mode() instanceof Mode.Access a && a.vid() == vlan) {
        owners.add(q);
      }
    }
    List<Port> targets = owners.size() == 1 ? owners : ports;
    for (Port q : targets) {
      if (q.ofport() == from.ofport()) {
        continue;
      }
      Integer egress = egressVid(q.mode(), vlan);
      if (egress != null) {
        out.add(new Out(q.ofport(), egress));
      }
    }
    // a VLAN of one member floods nowhere: the same, since only the sender is in it
    return out;
  }

  private static Integer ingressVlan(Mode mode, int vid) {
    if (mode instanceof Mode.Access a) {
      return vid == 0 ? a.vid() : null;
    } else if (mode instanceof Mode.Trunk t) {
      return vid != 0 && carries(t, vid) ? vid : null;
    } else if (mode instanceof Mode.Untagged) {
      return vid;
    }
    return null;
  }

  private static Integer egressVid(Mode mode, int vlan) {
    if (mode instanceof Mode.Access a) {
      return a.vid() == vlan ? 0 : null;
    } else if (mode instanceof Mode.Trunk t) {
      return vlan != 0 && carries(t, vlan) ? vlan : null;
    } else if (mode instanceof Mode.Untagged) {
      return vlan;
    }
    return null;
  }

  private static boolean carries(Mode.Trunk t, int vid) {
    return t.ranges().stream().anyMatch(r -> vid >= r.first() && vid <= r.last());
  }

  /** Walks a frame through the flows as OVS would: the highest priority match per table. */
  private static Set<Out> walk(Collection<Flow> flows, int inPort, int vid, long dst) {
    Set<Out> out = new HashSet<>();
    int table = 0;
    int tag = vid; // 0: untagged
    while (true) {
      Flow hit = null;
      for (Flow f : flows) {
        if (f.table() == table
            && matches(f.match(), inPort, tag, dst)
            && (hit == null || f.priority() > hit.priority())) {
          hit = f;
        }
      }
      if (hit == null) {
        return out;
      }
      for (FlowAction a : hit.actions()) {
        if (a instanceof PushVlan) {
          tag = 0x1000; // VID set next
        } else if (a instanceof SetVlanVid s) {
          tag = s.vid();
        } else if (a instanceof PopVlan) {
          tag = 0;
        } else if (a instanceof Output o) {
          if (o.port() != inPort) {
            out.add(new Out(o.port(), tag));
          }
        } else {
          throw new AssertionError(a);
        }
      }
      if (hit.gotoTable() == Flow.NO_GOTO) {
        return out;
      }
      table = hit.gotoTable();
    }
  }

  private static boolean matches(FlowMatch m, int inPort, int tag, long dst) {
    if (m.inPort() != FlowMatch.ANY && m.inPort() != inPort) {
      return false;
    }
    if (m.ethDst() != FlowMatch.ANY_MAC && (dst & m.ethDstMask()) != m.ethDst()) {
      return false;
    }
    if (m.vlanVid() != FlowMatch.ANY) {
      int oxm = tag == 0 ? 0 : FlowMatch.VLAN_PRESENT | tag;
      return (oxm & m.vlanMask()) == m.vlanVid();
    }
    return true;
  }

  @SuppressWarnings("unused")
  private static final Comparator<Out> ORDER = Comparator.comparingInt(Out::port);
}
