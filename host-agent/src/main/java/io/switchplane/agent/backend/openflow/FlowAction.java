package io.switchplane.agent.backend.openflow;

/**
 * One action of a flow's apply-actions instruction: the few the VLAN pipeline uses, and {@link
 * Unknown} for any other a flow read back from the switch has (someone else's edit), so that such a
 * flow differs from ours and gets replaced.
 */
public sealed interface FlowAction {
  /** OFPP_IN_PORT: out of the port the frame came in on. */
  int IN_PORT = 0xfffffff8;

  /** OFPP_TABLE: into the pipeline's first table (packet-out only). */
  int TABLE = 0xfffffff9;

  /** OFPP_LOCAL: the bridge's own port. */
  int LOCAL = 0xfffffffe;

  /** Out of port (an OpenFlow port number); a frame is never sent back out of its in_port. */
  record Output(int port) implements FlowAction {}

  /** Pushes an 802.1Q tag (ethertype 0x8100); a set of the VID follows it. */
  record PushVlan() implements FlowAction {}

  /** Pops the outermost 802.1Q tag. */
  record PopVlan() implements FlowAction {}

  /**
   * Sets the VID (0..4095) of the frame's tag: an OXM set-field of vlan_vid with OFPVID_PRESENT.
   */
  record SetVlanVid(int vid) implements FlowAction {
    public SetVlanVid {
      if (vid < 0 || vid > 4095) {
        throw new IllegalArgumentException("VID " + vid + " out of 0..4095");
      }
    }
  }

  /** An action of a type we never write (OFPAT type), read back from the switch. */
  record Unknown(int type) implements FlowAction {}
}
