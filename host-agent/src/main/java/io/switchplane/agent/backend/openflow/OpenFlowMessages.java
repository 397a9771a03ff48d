package io.switchplane.agent.backend.openflow;

import java.net.ProtocolException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenFlow 1.4 (wire version 0x05) messages {@link OpenFlowSwitch} exchanges, as pure
 * functions: encoders return a buffer ready to write (big-endian, exact length), decoders read a
 * message's body (what follows its 8-byte header) and throw {@link ProtocolException} for anything
 * malformed, so that the session drops the connection. Only what the VLAN pipeline writes is
 * encoded; what a flow read back holds beyond that decodes to {@link FlowAction.Unknown}, so that
 * such a flow never equals one of ours.
 */
final class OpenFlowMessages {
  static final int VERSION = 0x05;
  static final int HEADER_LENGTH = 8;

  // ofp_type
  static final int HELLO = 0;
  static final int ERROR = 1;
  static final int ECHO_REQUEST = 2;
  static final int ECHO_REPLY = 3;
  static final int PACKET_OUT = 13;
  static final int FLOW_MOD = 14;
  static final int MULTIPART_REQUEST = 18;
  static final int MULTIPART_REPLY = 19;
  static final int BARRIER_REQUEST = 20;
  static final int BARRIER_REPLY = 21;
  static final int BUNDLE_CONTROL = 33;
  static final int BUNDLE_ADD_MESSAGE = 34;

  // ofp_bundle_ctrl_type
  static final int BUNDLE_OPEN_REQUEST = 0;
  static final int BUNDLE_COMMIT_REQUEST = 4;
  static final int BUNDLE_COMMIT_REPLY = 5;
  static final int BUNDLE_DISCARD_REQUEST = 6;

  /** OFPBF_ATOMIC | OFPBF_ORDERED: all or nothing, in the order added. */
  static final int BUNDLE_FLAGS = 0x1 | 0x2;

  /**
   * The type of the {@link FlowAction.Unknown} that marks a match field or instruction we do not
   * model.
   */
  static final int NOT_MODELLED = -1;

  /** OFPET_HELLO_FAILED: the switch will not speak our version. */
  static final int ERROR_HELLO_FAILED = 0;

  private static final int OFPMP_FLOW = 1;
  private static final int OFPMPF_REPLY_MORE = 1;
  private static final int OFPMT_OXM = 1;
  private static final int OFPHET_VERSIONBITMAP = 1;
  private static final int NO_BUFFER = 0xffffffff;
  private static final int OFPP_ANY = 0xffffffff;
  private static final int OFPP_CONTROLLER = 0xfffffffd;
  private static final int OFPG_ANY = 0xffffffff;
  private static final int OFPTT_ALL = 0xff;

  /** OFPCML_NO_BUFFER: the whole frame to the controller; other ports ignore max_len (0). */
  private static final int MAX_LEN_NO_BUFFER = 0xffff;

  private static final int OFPFC_ADD = 0;
  private static final int OFPFC_DELETE_STRICT = 4;

  private static final int OFPIT_GOTO_TABLE = 1;
  private static final int OFPIT_APPLY_ACTIONS = 4;

  private static final int OFPAT_OUTPUT = 0;
  private static final int OFPAT_PUSH_VLAN = 17;
  private static final int OFPAT_POP_VLAN = 18;
  private static final int OFPAT_SET_FIELD = 25;
  private static final int ETH_TYPE_8021Q = 0x8100;

  private static final int OXM_CLASS_OPENFLOW_BASIC = 0x8000;
  private static final int OXM_IN_PORT = 0;
  private static final int OXM_ETH_DST = 3;
  private static final int OXM_VLAN_VID = 6;
  private static final long MAC_MASK = 0xffff_ffff_ffffL;

  private OpenFlowMessages() {}

  /** A message as read off the wire: its header's fields and its body. */
  record Message(int version, int type, int xid, ByteBuffer body) {}

  /** An OFPT_ERROR's type and code. */
  record SwitchError(int type, int code) {
    String name() {
      return OpenFlowErrorNames.name(type, code);
    }
  }

  // ---- encoders

  /** OFPT_HELLO of version 5 without elements: the switch then settles on min(5, its own). */
  static ByteBuffer hello(int xid) {
    return done(header(HEADER_LENGTH, HELLO, xid));
  }

  static ByteBuffer echoReply(int xid, ByteBuffer requestBody) {
    ByteBuffer b = header(HEADER_LENGTH + requestBody.remaining(), ECHO_REPLY, xid);
    b.put(requestBody.duplicate());
    return done(b);
  }

  static ByteBuffer barrierRequest(int xid) {
    return done(header(HEADER_LENGTH, BARRIER_REQUEST, xid));
  }

  /**
   * OFPT_BUNDLE_CONTROL of type (open, commit, discard) for bundle id, with {@link #BUNDLE_FLAGS}.
   */
  static ByteBuffer bundleControl(int xid, int bundleId, int type) {
    ByteBuffer b = header(16, BUNDLE_CONTROL, xid);
    b.putInt(bundleId).putShort((short) type).putShort((short) BUNDLE_FLAGS);
    return done(b);
  }

  /**
   * OFPT_BUNDLE_ADD_MESSAGE carrying inner (a whole message) into bundle id. Its xid is inner's:
   * OVS refuses an add whose xid differs from its message's (OFPBFC_MSG_BAD_XID).
   */
  static ByteBuffer bundleAdd(int bundleId, ByteBuffer inner) {
    int xid = inner.getInt(inner.position() + 4);
    ByteBuffer b = header(16 + inner.remaining(), BUNDLE_ADD_MESSAGE, xid);
    b.putInt(bundleId).putShort((short) 0).putShort((short) BUNDLE_FLAGS);
    b.put(inner.duplicate());
    return done(b);
  }

  /**
   * OFPT_FLOW_MOD: ADD with the flow's match and instructions (apply-actions when there are
   * actions, then goto-table), or DELETE_STRICT with its key (table, priority, match) only.
   */
  static ByteBuffer flowMod(int xid, FlowMod mod) {
    Flow f = mod.flow();
    boolean add = mod.command() == FlowMod.Command.ADD;
    int length = 48 + matchLength(f.match()) + (add ? instructionsLength(f) : 0);
    ByteBuffer b = header(length, FLOW_MOD, xid);
    b.putLong(f.cookie()).putLong(0); // cookie_mask 0: DELETE_STRICT goes by the key alone
    b.put((byte) f.table()).put((byte) (add ? OFPFC_ADD : OFPFC_DELETE_STRICT));
    b.putShort((short) 0).putShort((short) 0); // idle and hard timeout: never expire
    b.putShort((short) f.priority());
    b.putInt(NO_BUFFER).putInt(OFPP_ANY).putInt(OFPG_ANY);
    b.putShort((short) 0).putShort((short) 0); // flags, importance
    putMatch(b, f.match());
    if (add) {
      putInstructions(b, f);
    }
    return done(b);
  }

  /**
   * OFPMP_FLOW request: every flow of every table whose cookie agrees with cookie on cookieMask.
   */
  static ByteBuffer flowStatsRequest(int xid, long cookie, long cookieMask) {
    ByteBuffer b = header(56, MULTIPART_REQUEST, xid);
    b.putShort((short) OFPMP_FLOW).putShort((short) 0).putInt(0);
    b.put((byte) OFPTT_ALL).put(new byte[3]).putInt(OFPP_ANY).putInt(OFPG_ANY).putInt(0);
    b.putLong(cookie).putLong(cookieMask);
    putMatch(b, FlowMatch.all());
    return done(b);
  }

  /**
   * OFPT_PACKET_OUT of frame with actions [output:TABLE]: it enters table 0 as if it came in on
   * inPort.
   */
  static ByteBuffer packetOut(int xid, int inPort, byte[] frame) {
    ByteBuffer b = header(24 + 16 + frame.length, PACKET_OUT, xid);
    b.putInt(NO_BUFFER).putInt(inPort).putShort((short) 16).put(new byte[6]);
    putAction(b, new FlowAction.Output(FlowAction.TABLE));
    b.put(frame);
    return done(b);
  }

  private static ByteBuffer header(int length, int type, int xid) {
    if (length > 0xffff) {
      throw new IllegalArgumentException("an OpenFlow message of " + length + " bytes is too long");
    }
    ByteBuffer b = ByteBuffer.allocate(length);
    b.put((byte) VERSION).put((byte) type).putShort((short) length).putInt(xid);
    return b;
  }

  private static ByteBuffer done(ByteBuffer b) {
    if (b.hasRemaining()) {
      throw new IllegalStateException("encoded " + b.position() + " of " + b.limit() + " bytes");
    }
    return b.flip();
  }

  private static int pad8(int n) {
    return (n + 7) & ~7;
  }

  private static int oxmLength(FlowMatch m) {
    int n = 0;
    if (m.inPort() != FlowMatch.ANY) {
      n += 4 + 4;
    }
    if (m.vlanVid() != FlowMatch.ANY) {
      n += 4 + (m.vlanMask() == FlowMatch.EXACT ? 2 : 4);
    }
    if (m.ethDst() != FlowMatch.ANY_MAC) {
      n += 4 + (m.ethDstMask() == MAC_MASK ? 6 : 12);
    }
    return n;
  }

  /** The ofp_match's length with its padding to 8. */
  private static int matchLength(FlowMatch m) {
    return pad8(4 + oxmLength(m));
  }

  private static void putMatch(ByteBuffer b, FlowMatch m) {
    int length = 4 + oxmLength(m);
    b.putShort((short) OFPMT_OXM).putShort((short) length);
    if (m.inPort() != FlowMatch.ANY) {
      b.putInt(oxmHeader(OXM_IN_PORT, false, 4)).putInt(m.inPort());
    }
    // In field order, as OVS reports them: what we send is byte for byte what reads back.
    if (m.ethDst() != FlowMatch.ANY_MAC) {
      boolean masked = m.ethDstMask() != MAC_MASK; // a full mask as none, as OVS reports it
      b.putInt(oxmHeader(OXM_ETH_DST, masked, masked ? 12 : 6)).put(mac(m.ethDst()));
      if (masked) {
        b.put(mac(m.ethDstMask()));
      }
    }
    if (m.vlanVid() != FlowMatch.ANY) {
      // A full mask is sent as none: OVS reports an exact match unmasked.
      boolean masked = m.vlanMask() != FlowMatch.EXACT;
      b.putInt(oxmHeader(OXM_VLAN_VID, masked, masked ? 4 : 2)).putShort((short) m.vlanVid());
      if (masked) {
        b.putShort((short) m.vlanMask());
      }
    }
    b.put(new byte[pad8(length) - length]);
  }

  private static int oxmHeader(int field, boolean hasMask, int length) {
    return OXM_CLASS_OPENFLOW_BASIC << 16 | field << 9 | (hasMask ? 1 << 8 : 0) | length;
  }

  private static byte[] mac(long value) {
    byte[] m = new byte[6];
    for (int i = 0; i < 6; i++) {
      m[i] = (byte) (value >>> (40 - 8 * i));
    }
    return m;
  }

  private static int instructionsLength(Flow f) {
    int n = f.actions().isEmpty() ? 0 : 8 + actionsLength(f.actions());
    return n + (f.gotoTable() == Flow.NO_GOTO ? 0 : 8);
  }

  private static void putInstructions(ByteBuffer b, Flow f) {
    if (!f.actions().isEmpty()) {
      b.putShort((short) OFPIT_APPLY_ACTIONS)
          .putShort((short) (8 + actionsLength(f.actions())))
          .putInt(0);
      for (FlowAction a : f.actions()) {
        putAction(b, a);
      }
    }
    if (f.gotoTable() != Flow.NO_GOTO) {
      b.putShort((short) OFPIT_GOTO_TABLE).putShort((short) 8).put((byte) f.gotoTable());
      b.put(new byte[3]);
    }
  }

  private static int actionsLength(List<FlowAction> actions) {
    int n = 0;
    for (FlowAction a : actions) {
      n += actionLength(a);
    }
    return n;
  }

  private static int actionLength(FlowAction a) {
    if (a instanceof FlowAction.Output || a instanceof FlowAction.SetVlanVid) {
      return 16;
    }
    if (a instanceof FlowAction.PushVlan || a instanceof FlowAction.PopVlan) {
      return 8;
    }
    throw new IllegalArgumentException("cannot send action " + a + ": it was only ever read back");
  }

  private static void putAction(ByteBuffer b, FlowAction a) {
    if (a instanceof FlowAction.Output o) {
      b.putShort((short) OFPAT_OUTPUT).putShort((short) 16).putInt(o.port());
      b.putShort((short) maxLen(o.port())).put(new byte[6]);
    } else if (a instanceof FlowAction.PushVlan) {
      b.putShort((short) OFPAT_PUSH_VLAN).putShort((short) 8).putShort((short) ETH_TYPE_8021Q);
      b.putShort((short) 0);
    } else if (a instanceof FlowAction.PopVlan) {
      b.putShort((short) OFPAT_POP_VLAN).putShort((short) 8).putInt(0);
    } else if (a instanceof FlowAction.SetVlanVid s) {
      b.putShort((short) OFPAT_SET_FIELD).putShort((short) 16);
      b.putInt(oxmHeader(OXM_VLAN_VID, false, 2));
      b.putShort((short) (FlowMatch.VLAN_PRESENT | s.vid())).put(new byte[6]);
    } else {
      throw new IllegalArgumentException(
          "cannot send action " + a + ": it was only ever read back");
    }
  }

  /** The max_len we send with an output to port: what it reads back as, for equality. */
  private static int maxLen(int port) {
    return port == OFPP_CONTROLLER ? MAX_LEN_NO_BUFFER : 0;
  }

  // ---- decoders

  /**
   * Whether the switch's OFPT_HELLO allows OpenFlow 1.4: by its version bitmap when it sends one,
   * else by its version (we send none, so the version is min(ours, its)).
   */
  static boolean helloAllows14(Message hello) throws ProtocolException {
    ByteBuffer b = hello.body().duplicate();
    try {
      while (b.remaining() >= 4) {
        int start = b.position();
        int type = u16(b);
        int length = u16(b);
        if (length < 4) {
          throw new ProtocolException("hello element of length " + length);
        }
        if (type == OFPHET_VERSIONBITMAP && length >= 8) {
          return (b.getInt() & 1 << VERSION) != 0; // the first bitmap covers versions 0..31
        }
        b.position(start + pad8(length));
      }
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw malformed("hello", e);
    }
    return hello.version() >= VERSION;
  }

  static SwitchError error(ByteBuffer body) throws ProtocolException {
    ByteBuffer b = body.duplicate();
    try {
      // An experimenter error (type 0xffff) has its exp_code where others have the code.
      return new SwitchError(u16(b), u16(b));
    } catch (BufferUnderflowException e) {
      throw malformed("error", e);
    }
  }

  /** Whether an OFPT_BUNDLE_CONTROL reply is the commit's. */
  static boolean isCommitReply(ByteBuffer body) throws ProtocolException {
    try {
      return u16(body.duplicate().position(4)) == BUNDLE_COMMIT_REPLY;
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw malformed("bundle control reply", e);
    }
  }

  /**
   * Decodes one OFPMP_FLOW reply part into flows (appended); returns whether more parts follow
   * (OFPMPF_REPLY_MORE).
   */
  static boolean flowStatsReply(ByteBuffer body, List<Flow> into) throws ProtocolException {
    ByteBuffer b = body.duplicate();
    try {
      int type = u16(b);
      int flags = u16(b);
      b.position(b.position() + 4);
      if (type != OFPMP_FLOW) {
        throw new ProtocolException("multipart reply of type " + type + " to a flow request");
      }
      while (b.hasRemaining()) {
        int length = u16(b.duplicate());
        if (length < 56) {
          throw new ProtocolException("flow stats entry of length " + length);
        }
        into.add(flowStats(b.slice(b.position(), length)));
        b.position(b.position() + length);
      }
      return (flags & OFPMPF_REPLY_MORE) != 0;
    } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw malformed("flow stats reply", e);
    }
  }

  /**
   * One ofp_flow_stats as a Flow. Canonical as we send: a vlan_vid without mask is an exact match,
   * an eth_dst with a full mask an exact one; a match field, instruction or action we do not model,
   * or a max_len we would not send, turns into an {@link FlowAction.Unknown}.
   */
  private static Flow flowStats(ByteBuffer e) throws ProtocolException {
    e.position(2);
    int table = u8(e);
    e.position(12);
    int priority = u16(e);
    e.position(24);
    long cookie = e.getLong();
    e.position(48);
    List<FlowAction> actions = new ArrayList<>();
    Decoded match = match(e);
    int gotoTable = Flow.NO_GOTO;
    while (e.hasRemaining()) {
      int start = e.position();
      int type = u16(e);
      int length = u16(e);
      if (length < 8 || start + length > e.limit()) {
        throw new ProtocolException("instruction of length " + length);
      }
      if (type == OFPIT_APPLY_ACTIONS) {
        actions(e.slice(start + 8, length - 8), actions);
      } else if (type == OFPIT_GOTO_TABLE) {
        gotoTable = u8(e);
      } else {
        actions.add(new FlowAction.Unknown(NOT_MODELLED));
      }
      e.position(start + length);
    }
    if (!match.complete()) {
      actions.add(new FlowAction.Unknown(NOT_MODELLED));
    }
    return new Flow(table, priority, cookie, match.match(), actions, gotoTable);
  }

  /** A match as decoded: its fields we model, and whether there were no others. */
  private record Decoded(FlowMatch match, boolean complete) {}

  /** Decodes the ofp_match at e's position (leaving e after its padding). */
  private static Decoded match(ByteBuffer e) throws ProtocolException {
    int start = e.position();
    int type = u16(e);
    int length = u16(e);
    if (type != OFPMT_OXM || length < 4) {
      throw new ProtocolException("match of type " + type + " and length " + length);
    }
    int end = start + length;
    int inPort = FlowMatch.ANY;
    int vlanVid = FlowMatch.ANY;
    int vlanMask = 0;
    long ethDst = FlowMatch.ANY_MAC;
    long ethDstMask = 0;
    boolean unknown = false;
    while (e.position() < end) {
      int h = e.getInt();
      int oxmClass = h >>> 16;
      int field = h >>> 9 & 0x7f;
      boolean hasMask = (h & 1 << 8) != 0;
      int oxmLength = h & 0xff;
      int next = e.position() + oxmLength;
      if (oxmClass != OXM_CLASS_OPENFLOW_BASIC) {
        unknown = true;
      } else if (field == OXM_IN_PORT && !hasMask && oxmLength == 4) {
        inPort = e.getInt();
      } else if (field == OXM_VLAN_VID && oxmLength == (hasMask ? 4 : 2)) {
        vlanVid = u16(e);
        vlanMask = hasMask ? u16(e) : FlowMatch.EXACT;
      } else if (field == OXM_ETH_DST && oxmLength == (hasMask ? 12 : 6)) {
        ethDst = u48(e);
        ethDstMask = hasMask ? u48(e) : MAC_MASK;
        if (ethDstMask == 0) {
          unknown = true; // a mask of nothing: not one we write
          ethDst = FlowMatch.ANY_MAC;
        }
      } else {
        unknown = true;
      }
      e.position(next);
    }
    if (e.position() != end) {
      throw new ProtocolException("an OXM field runs past its match");
    }
    e.position(start + pad8(length));
    return new Decoded(new FlowMatch(inPort, vlanVid, vlanMask, ethDst, ethDstMask), !unknown);
  }

  private static void actions(ByteBuffer b, List<FlowAction> into) throws ProtocolException {
    while (b.hasRemaining()) {
      int start = b.position();
      int type = u16(b);
      int length = u16(b);
      if (length < 8 || length % 8 != 0 || start + length > b.limit()) {
        throw new ProtocolException("action of type " + type + " and length " + length);
      }
      into.add(action(type, b.slice(start + 4, length - 4)));
      b.position(start + length);
    }
  }

  /** One action of type whose body (after type and length) is b. */
  private static FlowAction action(int type, ByteBuffer b) {
    switch (type) {
      case OFPAT_OUTPUT -> {
        int port = b.getInt();
        return u16(b) == maxLen(port)
            ? new FlowAction.Output(port)
            : new FlowAction.Unknown(OFPAT_OUTPUT);
      }
      case OFPAT_PUSH_VLAN -> {
        return u16(b) == ETH_TYPE_8021Q
            ? new FlowAction.PushVlan()
            : new FlowAction.Unknown(OFPAT_PUSH_VLAN);
      }
      case OFPAT_POP_VLAN -> {
        return new FlowAction.PopVlan();
      }
      case OFPAT_SET_FIELD -> {
        int value = b.getInt() == oxmHeader(OXM_VLAN_VID, false, 2) ? u16(b) : 0;
        // Without OFPVID_PRESENT it is no VID we set (OVS would strip the tag): not ours.
        return (value & FlowMatch.VLAN_PRESENT) != 0 && (value & ~FlowMatch.EXACT) == 0
            ? new FlowAction.SetVlanVid(value & 0x0fff)
            : new FlowAction.Unknown(OFPAT_SET_FIELD);
      }
      default -> {
        return new FlowAction.Unknown(type);
      }
    }
  }

  private static int u8(ByteBuffer b) {
    return b.get() & 0xff;
  }

  private static int u16(ByteBuffer b) {
    return b.getShort() & 0xffff;
  }

  private static long u48(ByteBuffer b) {
    return (long) u16(b) << 32 | b.getInt() & 0xffff_ffffL;
  }

  private static ProtocolException malformed(String what, RuntimeException e) {
    ProtocolException p = new ProtocolException("malformed " + what + ": " + e);
    p.initCause(e);
    return p;
  }
}
