package io.switchplane.agent.backend.openflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.agent.backend.openflow.FlowAction.Output;
import io.switchplane.agent.backend.openflow.FlowAction.PopVlan;
import io.switchplane.agent.backend.openflow.FlowAction.PushVlan;
import io.switchplane.agent.backend.openflow.FlowAction.SetVlanVid;
import io.switchplane.agent.backend.openflow.FlowAction.Unknown;
import io.switchplane.agent.backend.openflow.OpenFlowMessages.Message;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenFlowMessagesTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final int NORMAL = 0xfffffffa;

  /** The flow mod /tmp/exp/of14.py sent (flowmod(3, 100), xid 7), byte for byte. */
  private static final String PROTOTYPE_FLOW_MOD =
      "050e0070000000070000000000000000000000000000000000000000000000"
          + "64ffffffffffffffffffffffff0000000000010014800000040000000380000d"
          + "04100010000000000000040028000000000019001080000c021064000000000000"
          + "00000010fffffffa0000000000000000";

  /**
   * ofp_flow_stats entries as OVS 3.1 returned them (OpenFlow 1.4) for flows added with ovs-ofctl.
   */
  private static final List<String> OVS_FLOW_STATS =
      List.of(
          // table=0,priority=10,in_port=1,vlan_tci=0x0000/0x1fff
          // actions=push_vlan:0x8100,set_field:4196->vlan_vid,goto_table:1
          "00700000000000000c1988c0000a00000000000000000000000000000000005500000000000000000000000000000000"
              + "00010012800000040000000180000c0200000000000000000004002000000000"
              + "00110008810000000019001080000c0210640000000000000001000801000000",
          // table=1,priority=22,vlan_tci=0x1010/0x1ff0 actions=output:3,IN_PORT
          "0068010000000000092dda80001600000000000000000000000000000000005500000000000000000000000000000000"
              + "0001000c80000d0410101ff00000000000040028000000000000001000000003"
              + "000000000000000000000010fffffff80000000000000000",
          // table=1,priority=21,vlan_tci=0x1000/0x1000,dl_dst=aa:bb:cc:dd:ee:ff actions=output:3
          "00600100000000000a21fe80001500000000000000000000000000000000005500000000000000000000000000000000"
              + "0001001680000606aabbccddeeff80000d041000100000000004001800000000"
              + "00000010000000030000000000000000",
          // table=1,priority=20,dl_vlan=100 actions=pop_vlan,output:2
          "00600100000000000b162280001400000000000000000000000000000000005500000000000000000000000000000000"
              + "0001000a80000c02106400000000000000040020000000000012000800000000"
              + "00000010000000020000000000000000",
          // table=2,priority=1,in_port=3 actions=goto_table:3
          "004802000000000007459280000100000000000000000000000000000000005500000000000000000000000000000000"
              + "0001000c8000000400000003000000000001000803000000",
          // table=2,priority=0 actions=drop
          "00380200000000000839b680000000000000000000000000000000000000005500000000000000000000000000000000"
              + "0001000400000000");

  private static ByteBuffer bytes(String hex) {
    return ByteBuffer.wrap(HEX.parseHex(hex.replace(" ", "")));
  }

  private static String hex(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return HEX.formatHex(a);
  }

  /** A multipart flow reply body holding entries, with the MORE flag when more. */
  private static ByteBuffer reply(boolean more, List<ByteBuffer> entries) {
    int length = 8 + entries.stream().mapToInt(ByteBuffer::remaining).sum();
    ByteBuffer b = ByteBuffer.allocate(length);
    b.putShort((short) 1).putShort((short) (more ? 1 : 0)).putInt(0);
    entries.forEach(e -> b.put(e.duplicate()));
    return b.flip();
  }

  /**
   * The ofp_flow_stats the switch would report for an added flow mod: flow_mod and flow_stats share
   * the match and instructions; the fields before them move.
   */
  private static ByteBuffer statsOf(ByteBuffer flowMod) {
    ByteBuffer m = flowMod.duplicate();
    int rest = m.remaining() - 48;
    ByteBuffer e = ByteBuffer.allocate(48 + rest);
    e.putShort((short) (48 + rest)).put(m.get(24)).put((byte) 0).putLong(0);
    e.putShort(m.getShort(30)).putLong(0).putShort((short) 0);
    e.putLong(m.getLong(8)).putLong(0).putLong(0);
    e.put(m.position(48));
    return e.flip();
  }

  private static List<Flow> decode(ByteBuffer... entries) throws ProtocolException {
    List<Flow> flows = new ArrayList<>();
    assertThat(OpenFlowMessages.flowStatsReply(reply(false, List.of(entries)), flows)).isFalse();
    return flows;
  }

  @Test
  void flowModIsByteForByteThePrototypes() {
    Flow flow =
        new Flow(
            0,
            100,
            0,
            new FlowMatch(3, FlowMatch.VLAN_PRESENT, FlowMatch.VLAN_PRESENT, FlowMatch.ANY_MAC),
            List.of(new SetVlanVid(100), new Output(NORMAL)),
            Flow.NO_GOTO);

    assertThat(hex(OpenFlowMessages.flowMod(7, FlowMod.add(flow))))
        .isEqualTo(PROTOTYPE_FLOW_MOD.replace(" ", ""));
  }

  @Test
  void decodesWhatOvsReturnsCanonically() throws ProtocolException {
    List<Flow> flows =
        decode(OVS_FLOW_STATS.stream().map(OpenFlowMessagesTest::bytes).toArray(ByteBuffer[]::new));

    FlowMatch anyPort = FlowMatch.all();
    assertThat(flows)
        .containsExactly(
            new Flow(
                0,
                10,
                0x55,
                FlowMatch.inPort(1).untagged(),
                List.of(new PushVlan(), new SetVlanVid(100)),
                1),
            new Flow(
                1,
                22,
                0x55,
                anyPort.vlanBlock(0x010, 0xff0),
                List.of(new Output(3), new Output(FlowAction.IN_PORT)),
                Flow.NO_GOTO),
            new Flow(
                1,
                21,
                0x55,
                new FlowMatch(
                    FlowMatch.ANY, FlowMatch.VLAN_PRESENT, FlowMatch.VLAN_PRESENT, 0xaabbccddeeffL),
                List.of(new Output(3)),
                Flow.NO_GOTO),
            new Flow(
                1,
                20,
                0x55,
                anyPort.vlan(100),
                List.of(new PopVlan(), new Output(2)),
                Flow.NO_GOTO),
            new Flow(2, 1, 0x55, FlowMatch.inPort(3), List.of(), 3),
            new Flow(2, 0, 0x55, anyPort, List.of(), Flow.NO_GOTO));
  }

  @Test
  void whatOvsReturnsIsWhatWeSend() throws ProtocolException {
    // OVS returns a flow's match and instructions as we encode them: the same bytes.
    List<Flow> flows =
        decode(OVS_FLOW_STATS.stream().map(OpenFlowMessagesTest::bytes).toArray(ByteBuffer[]::new));
    for (int i = 0; i < flows.size(); i++) {
      ByteBuffer stats = statsOf(OpenFlowMessages.flowMod(1, FlowMod.add(flows.get(i))));
      ByteBuffer ovs = bytes(OVS_FLOW_STATS.get(i));
      assertThat(hex(stats.position(48)))
          .as("flow %s", flows.get(i))
          .isEqualTo(hex(ovs.position(48)));
    }
  }

  @Test
  void everyFlowWeSendDecodesEqual() throws ProtocolException {
    List<Flow> sent = new ArrayList<>();
    List<FlowMatch> matches =
        List.of(
            FlowMatch.all(),
            FlowMatch.inPort(7),
            FlowMatch.inPort(7).untagged(),
            FlowMatch.inPort(7).vlan(4094),
            FlowMatch.all().vlanBlock(0x100, 0xf00),
            FlowMatch.all().vlanBlock(0, 0),
            FlowMatch.all().vlan(1).ethDst(0x0200_0000_0001L),
            FlowMatch.inPort(FlowAction.LOCAL).ethDst(0xffff_ffff_ffffL));
    List<List<FlowAction>> actionLists =
        List.of(
            List.of(),
            List.of(new Output(1)),
            List.of(
                new PushVlan(), new SetVlanVid(0), new Output(2), new Output(FlowAction.IN_PORT)),
            List.of(new PopVlan(), new Output(FlowAction.LOCAL), new Output(0xfffffffd)),
            List.of(new SetVlanVid(4095), new Output(NORMAL)));
    for (FlowMatch m : matches) {
      for (List<FlowAction> actions : actionLists) {
        sent.add(new Flow(3, 0xffff, 0x8000_0000_0000_0001L, m, actions, 9));
        sent.add(new Flow(254, 0, 0, m, actions, Flow.NO_GOTO));
      }
    }

    List<Flow> read =
        decode(
            sent.stream()
                .map(f -> statsOf(OpenFlowMessages.flowMod(1, FlowMod.add(f))))
                .toArray(ByteBuffer[]::new));

    assertThat(read).isEqualTo(sent);
  }

  @Test
  void aDeleteStrictSendsTheKeyOnly() {
    Flow flow = new Flow(4, 300, 0x77, FlowMatch.inPort(2).vlan(10), List.of(new Output(3)), 5);

    ByteBuffer m = OpenFlowMessages.flowMod(9, FlowMod.delete(flow));

    assertThat(hex(m))
        .isEqualTo(
            "050e0048" // flow mod of 72 bytes
                + "00000009"
                + "0000000000000077" // cookie
                + "0000000000000000" // cookie_mask
                + "04" // table
                + "04" // DELETE_STRICT
                + "00000000" // timeouts
                + "012c" // priority 300
                + "ffffffff" // NO_BUFFER
                + "ffffffffffffffff" // out_port, out_group ANY
                + "00000000" // flags, importance
                + "00010012" // OXM match of 18 bytes
                + "8000000400000002" // in_port=2
                + "80000c02100a" // vlan_vid=0x1000|10
                + "000000000000"); // padding; no instructions
  }

  @Test
  void whatWeDoNotModelReadsBackAsUnknown() throws ProtocolException {
    Flow ours =
        new Flow(0, 5, 1, FlowMatch.inPort(1).ethDst(0x0200_0000_0002L), List.of(new Output(2)), 7);
    // stats: 48 bytes, match at 48 (in_port at 52, eth_dst at 60, padded to 72), apply_actions
    // at 72 with its output action at 80 (max_len at 88), goto_table at 96
    ByteBuffer plain = statsOf(OpenFlowMessages.flowMod(1, FlowMod.add(ours)));
    ByteBuffer otherField = copy(plain).putInt(60, 0x80000806); // eth_src, not eth_dst
    ByteBuffer otherAction = copy(plain).putShort(80, (short) 21); // set_queue
    ByteBuffer otherInstruction = copy(plain).putShort(72, (short) 3); // write_actions
    ByteBuffer otherMaxLen = copy(plain).putShort(88, (short) 128);

    assertThat(decode(plain)).containsExactly(ours);
    assertThat(decode(otherField).get(0).match()).isEqualTo(FlowMatch.inPort(1));
    assertThat(decode(otherField).get(0).actions())
        .containsExactly(new Output(2), new Unknown(OpenFlowMessages.NOT_MODELLED));
    assertThat(decode(otherAction).get(0).actions()).containsExactly(new Unknown(21));
    assertThat(decode(otherInstruction).get(0).actions())
        .containsExactly(new Unknown(OpenFlowMessages.NOT_MODELLED));
    assertThat(decode(otherInstruction).get(0).gotoTable()).isEqualTo(7);
    assertThat(decode(otherMaxLen).get(0).actions()).containsExactly(new Unknown(0));
  }

  private static ByteBuffer copy(ByteBuffer b) {
    ByteBuffer c = ByteBuffer.allocate(b.remaining());
    c.put(b.duplicate());
    return c.flip();
  }

  @Test
  void malformedRepliesAreProtocolErrors() {
    ByteBuffer truncated = bytes(OVS_FLOW_STATS.get(0));
    truncated.limit(truncated.limit() - 8);
    ByteBuffer shortLength = copy(bytes(OVS_FLOW_STATS.get(5)));
    shortLength.putShort(0, (short) 200);

    assertThatThrownBy(() -> decode(truncated)).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> decode(shortLength)).isInstanceOf(ProtocolException.class);
  }

  @Test
  void theMoreFlagSaysMorePartsFollow() throws ProtocolException {
    List<Flow> flows = new ArrayList<>();

    assertThat(
            OpenFlowMessages.flowStatsReply(
                reply(true, List.of(bytes(OVS_FLOW_STATS.get(5)))), flows))
        .isTrue();
    assertThat(OpenFlowMessages.flowStatsReply(reply(false, List.of()), flows)).isFalse();
    assertThat(flows).hasSize(1);
  }

  @Test
  void errorsMapToTypeCodeAndNames() throws ProtocolException {
    // what OVS 3.1 answered to a bundled set_field vlan_vid on an in_port-only match
    ByteBuffer ovs = bytes("0002000a052200780000006700000007");

    OpenFlowMessages.SwitchError e = OpenFlowMessages.error(ovs);

    assertThat(e.type()).isEqualTo(2);
    assertThat(e.code()).isEqualTo(10);
    assertThat(e.name()).isEqualTo("BAD_ACTION/MATCH_INCONSISTENT");
    assertThat(OpenFlowErrorNames.name(17, 13)).isEqualTo("BUNDLE_FAILED/MSG_FAILED");
    assertThat(OpenFlowErrorNames.name(5, 99)).isEqualTo("FLOW_MOD_FAILED/99");
    assertThat(OpenFlowErrorNames.name(0xffff, 3)).isEqualTo("EXPERIMENTER/3");
    assertThatThrownBy(() -> OpenFlowMessages.error(bytes("0002")))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void aBundleAddCarriesItsMessagesXid() {
    ByteBuffer inner =
        OpenFlowMessages.flowMod(
            0x1234, FlowMod.add(new Flow(0, 1, 0, FlowMatch.all(), List.of(), Flow.NO_GOTO)));

    ByteBuffer add = OpenFlowMessages.bundleAdd(42, inner);

    assertThat(hex(add))
        .isEqualTo(
            "0522"
                + String.format("%04x", 16 + inner.remaining())
                + "00001234" // the flow mod's xid
                + "0000002a" // bundle 42
                + "0000"
                + "0003" // ATOMIC | ORDERED
                + hex(inner));
    assertThat(hex(OpenFlowMessages.bundleControl(5, 42, OpenFlowMessages.BUNDLE_COMMIT_REQUEST)))
        .isEqualTo("0521" + "0010" + "00000005" + "0000002a" + "0004" + "0003");
  }

  @Test
  void aPacketOutEntersTableZero() {
    ByteBuffer p = OpenFlowMessages.packetOut(3, 2, new byte[] {1, 2, 3});

    assertThat(hex(p))
        .isEqualTo(
            "050d002b00000003" // packet-out of 43 bytes
                + "ffffffff" // NO_BUFFER
                + "00000002" // in_port 2
                + "0010000000000000" // 16 bytes of actions
                + "00000010fffffff90000000000000000" // output:TABLE
                + "010203");
  }

  @Test
  void helloNegotiatesOpenFlow14() throws ProtocolException {
    ByteBuffer none = ByteBuffer.allocate(0);

    assertThat(OpenFlowMessages.helloAllows14(new Message(6, 0, 1, none))).isTrue();
    assertThat(OpenFlowMessages.helloAllows14(new Message(5, 0, 1, none))).isTrue();
    assertThat(OpenFlowMessages.helloAllows14(new Message(4, 0, 1, none))).isFalse();
    // a version bitmap decides: 1.0 and 1.5 only (bits 1 and 6), or 1.3 and 1.4 (4 and 5)
    assertThat(OpenFlowMessages.helloAllows14(new Message(6, 0, 1, bytes("0001000800000042"))))
        .isFalse();
    assertThat(OpenFlowMessages.helloAllows14(new Message(5, 0, 1, bytes("0001000800000030"))))
        .isTrue();
  }

  @Test
  void onlyWhatWeModelIsSent() {
    Flow readBack = new Flow(0, 1, 0, FlowMatch.all(), List.of(new Unknown(21)), Flow.NO_GOTO);

    assertThatThrownBy(() -> OpenFlowMessages.flowMod(1, FlowMod.add(readBack)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
