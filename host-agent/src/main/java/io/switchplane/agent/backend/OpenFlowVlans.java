package io.switchplane.agent.backend;

import io.switchplane.agent.backend.openflow.Flow;
import io.switchplane.agent.backend.openflow.FlowMod;
import io.switchplane.agent.backend.openflow.OpenFlowException;
import io.switchplane.agent.backend.openflow.OpenFlowSwitch;
import io.switchplane.agent.backend.openflow.VlanPipeline;
import io.switchplane.agent.backend.openflow.VlanPipeline.Mode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The VLAN flows of the ovs-openflow backend's bridges ({@link VlanPipeline}): one OpenFlow session
 * per bridge (its management socket, BRIDGE.mgmt, beside the OVSDB socket), what each bridge's
 * flows are known to be, and each port's mode as last written. A VLAN change is then a bundle of
 * flow changes, not an OVSDB transaction.
 *
 * <p>Known flows let an apply diff without reading the whole flow table back (that cost grows with
 * the ports, not the change). They are tied to the OpenFlow session they were learnt in: a new
 * session (ovs-vswitchd restarted, and kept no flows) makes them unknown, and so does every read
 * (the drift checks'), any failure, and a change whose outcome is unknown. Only applies remember
 * (they are serialised per DVS; a drift check's read is not). The modes last written outlive all
 * that: they are what the ports an apply does not touch keep, even after ovs-vswitchd lost them.
 */
final class OpenFlowVlans implements AutoCloseable {
  private final Path runDir;
  private final Duration timeout;
  private final Map<String, OpenFlowSwitch> switches = new ConcurrentHashMap<>();
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, Mode>> written = new ConcurrentHashMap<>();

  /** Per bridge, the OpenFlow session its flows were last written in. */
  private final Map<String, Long> writtenSession = new ConcurrentHashMap<>();

  private volatile boolean closed;

  /** A bridge's flows (by key) as known in OpenFlow session number session. */
  record Known(Map<Flow.Key, Flow> flows, long session) {}

  /** Sessions to the bridges whose management sockets are in runDir. Does no I/O. */
  OpenFlowVlans(Path runDir, Duration timeout) {
    this.runDir = runDir;
    this.timeout = timeout;
  }

  private OpenFlowSwitch of(String bridge) {
    if (closed) {
      throw new IllegalStateException("the OpenFlow sessions are closed");
    }
    return switches.computeIfAbsent(
        bridge, b -> new OpenFlowSwitch(runDir.resolve(b + ".mgmt"), timeout));
  }

  /** Our flows on the bridge, read now (what was known of them is forgotten). */
  List<Flow> read(String bridge) throws OpenFlowException {
    known.remove(bridge);
    return of(bridge).flows(VlanPipeline.COOKIE, VlanPipeline.COOKIE_MASK);
  }

  /** The bridge's flows as known, in the session now open, if they are. */
  Optional<Known> known(String bridge) {
    Known k = known.get(bridge);
    return k != null && k.session() == of(bridge).sessions() ? Optional.of(k) : Optional.empty();
  }

  /** Reads the bridge's flows and remembers them (an apply's start; applies are serialised). */
  Known readAndRemember(String bridge) throws OpenFlowException {
    List<Flow> read = read(bridge);
    Known k = new Known(byKey(read), of(bridge).sessions());
    known.put(bridge, k);
    return k;
  }

  /** Each OpenFlow port's mode as last written on the bridge, if anything was. */
  Optional<Map<Integer, Mode>> written(String bridge) {
    return Optional.ofNullable(written.get(bridge));
  }

  /** Sets what the bridge's ports' modes are taken to be (after a change could not be undone). */
  void written(String bridge, Map<Integer, Mode> modes) {
    written.put(bridge, Map.copyOf(modes));
  }

  /**
   * Whether the bridge's session is no longer the one its flows were known in (probing it first: a
   * restarted ovs-vswitchd shows as a new session). False when nothing is known of the bridge.
   */
  boolean restarted(String bridge) throws OpenFlowException {
    Long session = writtenSession.get(bridge);
    if (session == null) {
      return false;
    }
    OpenFlowSwitch sw = of(bridge);
    sw.flows(VlanPipeline.COOKIE | 0xffff_ffffL, -1L); // a round trip; no flow has that cookie
    return sw.sessions() != session;
  }

  /**
   * Makes our flows on the bridge want, from has: one atomic bundle; then want is what the bridge
   * is known to have and modes what its ports were last written. When has was learnt in an older
   * session, the flows are read first; when the session changes during the bundle (ovs-vswitchd
   * restarted), the flows are read and completed. Refused: nothing applied. Failed otherwise: the
   * bundle's outcome is found out by reading the flows; if it did not apply whole, has is put back
   * as far as the switch lets, and the exception thrown.
   */
  void change(String bridge, Known has, Map<Flow.Key, Flow> want, Map<Integer, Mode> modes)
      throws OpenFlowException {
    known.remove(bridge);
    OpenFlowSwitch sw = of(bridge);
    Map<Flow.Key, Flow> from =
        has.session() == sw.sessions()
            ? has.flows()
            : byKey(sw.flows(VlanPipeline.COOKIE, VlanPipeline.COOKIE_MASK));
    long session = sw.sessions();
    List<FlowMod> mods = VlanPipeline.changes(from.values(), want);
    try {
      if (!mods.isEmpty()) {
        sw.apply(mods);
      }
    } catch (OpenFlowException e) {
      if (e.refused()) {
        throw e; // an atomic bundle the switch refused: nothing of it applied
      }
      Map<Flow.Key, Flow> now = byKey(sw.flows(VlanPipeline.COOKIE, VlanPipeline.COOKIE_MASK));
      if (!now.equals(want)) {
        sw.apply(VlanPipeline.changes(now.values(), from));
        throw e;
      }
      // The bundle did apply whole; the session broke after it.
    }
    if (sw.sessions() != session) {
      // A new session: ovs-vswitchd may have restarted and lost flows that from still counted,
      // so the changes may not be all it needs. Complete them from what it has now.
      List<FlowMod> rest =
          VlanPipeline.changes(sw.flows(VlanPipeline.COOKIE, VlanPipeline.COOKIE_MASK), want);
      if (!rest.isEmpty()) {
        sw.apply(rest);
      }
    }
    known.put(bridge, new Known(Map.copyOf(want), sw.sessions()));
    written.put(bridge, Map.copyOf(modes));
    writtenSession.put(bridge, sw.sessions());
  }

  /** Sends frame into the bridge's pipeline as if it came in on ofport. */
  void packetOut(String bridge, int ofport, byte[] frame) throws OpenFlowException {
    of(bridge).packetOut(ofport, frame);
  }

  /** Forgets a bridge that is gone. */
  void forget(String bridge) {
    known.remove(bridge);
    written.remove(bridge);
    writtenSession.remove(bridge);
    OpenFlowSwitch sw = switches.remove(bridge);
    if (sw != null) {
      sw.close();
    }
  }

  private static Map<Flow.Key, Flow> byKey(Collection<Flow> flows) {
    Map<Flow.Key, Flow> out = new HashMap<>();
    flows.forEach(f -> out.put(f.key(), f));
    return out;
  }

  @Override
  public void close() {
    closed = true;
    switches.values().forEach(OpenFlowSwitch::close);
    switches.clear();
    known.clear();
    written.clear();
    writtenSession.clear();
  }
}
