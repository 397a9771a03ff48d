package io.switchplane.agent.backend.openflow;

/**
 * What a flow of ours matches: the OXM fields the VLAN pipeline uses (in_port, vlan_vid with an
 * optional mask, eth_dst), each one absent or given. A value type in canonical form (masked bits
 * cleared, a full mask as an exact match), so that a flow read back from the switch equals the one
 * the pipeline computed.
 *
 * @param inPort the OpenFlow port number, or {@link #ANY}
 * @param vlanVid the OXM vlan_vid value: {@link #VLAN_PRESENT} | VID for a tagged frame, {@code 0}
 *     for an untagged one, or {@link #ANY}
 * @param vlanMask the OXM mask of vlanVid ({@link #EXACT} for none; 0 when vlanVid is ANY)
 * @param ethDst the destination MAC as its 48 bits, or {@link #ANY_MAC}
 * @param ethDstMask its mask ({@link #EXACT_MAC} for none; 0 when ethDst is ANY_MAC)
 */
public record FlowMatch(int inPort, int vlanVid, int vlanMask, long ethDst, long ethDstMask) {
  /** An absent port or VLAN field. */
  public static final int ANY = -1;

  /** An absent eth_dst. */
  public static final long ANY_MAC = -1L;

  /** OFPVID_PRESENT: the bit of the OXM vlan_vid that says the frame has an 802.1Q tag. */
  public static final int VLAN_PRESENT = 0x1000;

  /** The mask of an exact vlan_vid match. */
  public static final int EXACT = 0x1fff;

  /** The mask of an exact eth_dst match. */
  public static final long EXACT_MAC = 0xffff_ffff_ffffL;

  /** With an exact eth_dst (or none). */
  public FlowMatch(int inPort, int vlanVid, int vlanMask, long ethDst) {
    this(inPort, vlanVid, vlanMask, ethDst, ethDst == ANY_MAC ? 0 : EXACT_MAC);
  }

  public FlowMatch {
    if (vlanVid == ANY) {
      vlanMask = 0;
    } else {
      if (vlanMask <= 0 || vlanMask > EXACT) {
        throw new IllegalArgumentException("vlan mask " + vlanMask + " out of 1..0x1fff");
      }
      if ((vlanVid & ~EXACT) != 0) {
        throw new IllegalArgumentException("vlan_vid " + vlanVid + " out of 0..0x1fff");
      }
      vlanVid &= vlanMask;
    }
    if (ethDst == ANY_MAC) {
      ethDstMask = 0;
    } else {
      if ((ethDst & ~EXACT_MAC) != 0) {
        throw new IllegalArgumentException(
            "eth_dst " + Long.toHexString(ethDst) + " is not 48 bits");
      }
      if (ethDstMask <= 0 || (ethDstMask & ~EXACT_MAC) != 0) {
        throw new IllegalArgumentException(
            "eth_dst mask " + Long.toHexString(ethDstMask) + " is not 48 bits");
      }
      ethDst &= ethDstMask;
    }
  }

  /** Matches every frame. */
  public static FlowMatch all() {
    return new FlowMatch(ANY, ANY, 0, ANY_MAC, 0);
  }

  /** Frames that came in on port. */
  public static FlowMatch inPort(int port) {
    return new FlowMatch(port, ANY, 0, ANY_MAC, 0);
  }

  /** This match, also requiring an untagged frame. */
  public FlowMatch untagged() {
    return new FlowMatch(inPort, 0, EXACT, ethDst, ethDstMask);
  }

  /** This match, also requiring a frame tagged with VLAN vid. */
  public FlowMatch vlan(int vid) {
    return new FlowMatch(inPort, VLAN_PRESENT | vid, EXACT, ethDst, ethDstMask);
  }

  /**
   * This match, also requiring a tagged frame whose VID agrees with vid on the bits of vidMask (a
   * VID prefix: a block of VLANs in one flow).
   */
  public FlowMatch vlanBlock(int vid, int vidMask) {
    return new FlowMatch(inPort, VLAN_PRESENT | vid, VLAN_PRESENT | vidMask, ethDst, ethDstMask);
  }

  /** This match, also requiring destination MAC mac (48 bits). */
  public FlowMatch ethDst(long mac) {
    return new FlowMatch(inPort, vlanVid, vlanMask, mac, EXACT_MAC);
  }

  /** This match, also requiring a destination MAC that agrees with mac on the bits of mask. */
  public FlowMatch ethDst(long mac, long mask) {
    return new FlowMatch(inPort, vlanVid, vlanMask, mac, mask);
  }
}
