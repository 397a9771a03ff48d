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
 */
public record FlowMatch(int inPort, int vlanVid, int vlanMask, long ethDst) {
  /** An absent port or VLAN field. */
  public static final int ANY = -1;

  /** An absent eth_dst. */
  public static final long ANY_MAC = -1L;

  /** OFPVID_PRESENT: the bit of the OXM vlan_vid that says the frame has an 802.1Q tag. */
  public static final int VLAN_PRESENT = 0x1000;

  /** The mask of an exact vlan_vid match. */
  public static final int EXACT = 0x1fff;

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
    if (ethDst != ANY_MAC && (ethDst & ~0xffff_ffff_ffffL) != 0) {
      throw new IllegalArgumentException("eth_dst " + Long.toHexString(ethDst) + " is not 48 bits");
    }
  }

  /** Matches every frame. */
  public static FlowMatch all() {
    return new FlowMatch(ANY, ANY, 0, ANY_MAC);
  }

  /** Frames that came in on port. */
  public static FlowMatch inPort(int port) {
    return new FlowMatch(port, ANY, 0, ANY_MAC);
  }

  /** This match, also requiring an untagged frame. */
  public FlowMatch untagged() {
    return new FlowMatch(inPort, 0, EXACT, ethDst);
  }

  /** This match, also requiring a frame tagged with VLAN vid. */
  public FlowMatch vlan(int vid) {
    return new FlowMatch(inPort, VLAN_PRESENT | vid, EXACT, ethDst);
  }

  /**
   * This match, also requiring a tagged frame whose VID agrees with vid on the bits of vidMask (a
   * VID prefix: a block of VLANs in one flow).
   */
  public FlowMatch vlanBlock(int vid, int vidMask) {
    return new FlowMatch(inPort, VLAN_PRESENT | vid, VLAN_PRESENT | vidMask, ethDst);
  }

  /** This match, also requiring destination MAC mac (48 bits). */
  public FlowMatch ethDst(long mac) {
    return new FlowMatch(inPort, vlanVid, vlanMask, mac);
  }
}
