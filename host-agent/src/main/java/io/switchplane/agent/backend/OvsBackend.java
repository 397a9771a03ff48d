package io.switchplane.agent.backend;

import com.google.gson.JsonObject;
import io.switchplane.agent.backend.openflow.Flow;
import io.switchplane.agent.backend.openflow.FlowMatch;
import io.switchplane.agent.backend.openflow.OpenFlowException;
import io.switchplane.agent.backend.openflow.VlanPipeline;
import io.switchplane.agent.backend.openflow.VlanPipeline.Mode;
import io.switchplane.agent.backend.ovsdb.OvsPort;
import io.switchplane.agent.backend.ovsdb.OvsdbClient;
import io.switchplane.agent.backend.ovsdb.OvsdbTransaction;
import io.switchplane.agent.backend.ovsdb.OvsdbTransaction.Ref;
import io.switchplane.api.v1.EffectivePolicy;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.Untagged;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanTrunk;
import io.switchplane.common.diff.PortOp;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open vSwitch as the host switch: the host's part of a DVS is a bridge ({@code
 * datapath_type=netdev}, the userspace datapath, no kernel module needed), each port an internal
 * port (an uplink NIC port is the host's NIC: see below). An apply is ONE OVSDB transaction (RFC
 * 7047 "transact") sent by our own small client ({@link OvsdbClient}) over one persistent session:
 * all of it or none, one round trip to ovsdb-server and no process per apply. Like ovs-vsctl, the
 * transaction bumps {@code next_cfg} and the apply returns once ovs-vswitchd has applied it ({@code
 * cur_cfg}). Reads ({@link #ports}, the drift check) come from the client's monitor-fed cache of
 * the Bridge, Port and Interface tables: no round trip. (Before, each apply was one {@code
 * ovs-vsctl} process; spawning it cost more than the transaction itself, on every host of every
 * push.)
 *
 * <p>Mapping: access VLAN → {@code tag}; trunk → {@code trunks} with {@code vlan_mode=trunk};
 * untagged → neither (OVS's default: frames pass as they are, like vSphere's VLAN type none);
 * blocked → {@code tag=4095}, the dead VLAN Neutron's OVS agent uses for ports that must not pass
 * traffic (operators cannot use 4095, so nothing else shares it); MTU → the interface's {@code
 * mtu_request}. The port's identity and whole effective config are kept in {@code external_ids}
 * ({@code switchplane-dvs}, {@code switchplane-port}, {@code switchplane-config}, plus {@code
 * attached-mac} and {@code vm-uuid} for a VM NIC), so that {@link #ports} reads back what OVS
 * really has: the stored config with the VLAN and MTU as OVS holds them now, so a change made by
 * hand shows up as drift. Ports and bridges without {@code switchplane-dvs} are never touched.
 *
 * <p><b>Uplink NICs.</b> A port whose connectee is an uplink NIC, on a host whose membership maps a
 * NIC to that uplink ({@link EffectivePort#getNic}), is that NIC: its interface is the host's
 * device (a system interface, no {@code type}), so its {@code trunks} decide which VLANs really
 * reach the wire. The OVS port keeps our name ({@link #portName}) and only its interface is the
 * NIC, so the port's identity does not move when the NIC is remapped; a remap, or a port that
 * becomes a NIC or stops being one, swaps the port's interface in the same transaction. Removing
 * the port takes the NIC off the bridge: ovs-vswitchd deletes only the devices it made (internal
 * ports), never a system interface, so the host keeps its NIC. A NIC held by a port that is not
 * this DVS's is refused (nothing applied), so an apply never steals a NIC from another bridge.
 *
 * <p>A blocked NIC is {@code vlan_mode=trunk} with {@code trunks=[4095]}, not the access port on
 * 4095 the other ports get: an access port would take the wire's untagged frames into VLAN 4095,
 * where blocked VM ports sit, and send theirs out untagged. As a trunk of 4095 only, the NIC drops
 * untagged frames and every VLAN 1-4094, so no VM's VLAN traffic crosses it either way. Only frames
 * tagged 4095 could, and IEEE 802.1Q reserves that VID: no conforming switch sends or accepts it.
 * An empty {@code trunks} would carry ALL VLANs, and taking the link down ({@code ip link} or
 * {@code ovs-ofctl mod-port ... down}) is no option: it is outside the OVSDB transaction, would cut
 * whatever else the NIC carries (the host's own management when it is not on this DVS), and looks
 * like a cable fault to the upstream switch. A host that maps no NIC to the uplink keeps the port
 * as an internal port, as before, with a warning in the log: its pruning then filters no real frame
 * (map one with {@code switchplane dvs add-host DVS HOST --nic UPLINK=NIC}).
 */
public final class OvsBackend implements SwitchBackend {
  private static final Logger LOG = LoggerFactory.getLogger(OvsBackend.class);
  public static final String NAME = "ovs";

  /** The same with VLANs as OpenFlow flows ({@link OpenFlowVlans}). */
  public static final String OPENFLOW_NAME = "ovs-openflow";

  /** The tag of a blocked port (Neutron's DEAD_VLAN_TAG). */
  public static final int DEAD_VLAN = 4095;

  /**
   * How long an apply waits for ovsdb-server's answer and then for ovs-vswitchd (as ovs-vsctl
   * --timeout).
   */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final OvsdbClient client;

  /** The directory of ovs-vswitchd's per-bridge management sockets (BRIDGE.mgmt). */
  private final java.nio.file.Path runDir;

  /**
   * What OVS held right after the last apply of each DVS (the cache once the transaction's updates
   * came in).
   */
  private final Map<String, Map<String, EffectivePort>> afterApply =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The bridges' VLANs as flows; null: as the Port table's VLAN columns. */
  private final OpenFlowVlans flowVlans;

  /** A backend on the ovsdb-server at db (e.g. unix:/run/openvswitch/db.sock). Does no I/O. */
  public OvsBackend(String db) {
    this(db, false);
  }

  /**
   * A backend on the ovsdb-server at db; with openFlowVlans, the bridges' VLANs are OpenFlow flows
   * (see {@link #OPENFLOW_NAME}). Does no I/O.
   */
  public OvsBackend(String db, boolean openFlowVlans) {
    this.client = new OvsdbClient(Objects.requireNonNull(db, "db"), TIMEOUT);
    this.runDir = runDir(db);
    this.flowVlans = openFlowVlans ? new OpenFlowVlans(runDir, TIMEOUT) : null;
    this.flowSync = openFlowVlans ? newFlowSync() : null;
    if (openFlowVlans) {
      client.onChange(this::portsChanged);
    }
  }

  /**
   * With VLANs as flows, one thread keeps each bridge's flows whole between applies: the ports on a
   * DVS's bridge that are not ours forward by their own columns (see {@link #others}), and NORMAL
   * followed such a port at once, so the flows follow it when OVSDB says it changed; and
   * ovs-vswitchd keeps no flows across a restart, so every {@link #RESTART_CHECK} the thread probes
   * each bridge's OpenFlow session and, when it is a new one, writes the flows again from the modes
   * last written (as ovn-controller does on br-int). Null without flows.
   */
  private final java.util.concurrent.ScheduledExecutorService flowSync;

  /** How often the flows' thread looks for a restarted ovs-vswitchd. */
  public static final Duration RESTART_CHECK = Duration.ofSeconds(2);

  private java.util.concurrent.ScheduledExecutorService newFlowSync() {
    java.util.concurrent.ScheduledExecutorService e =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ovs-flows-sync");
              t.setDaemon(true);
              return t;
            });
    // Scheduling starts no I/O: the first check runs on the thread, a period from now.
    e.scheduleWithFixedDelay(
        this::checkRestarts,
        RESTART_CHECK.toMillis(),
        RESTART_CHECK.toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
    return e;
  }

  private final java.util.concurrent.atomic.AtomicBoolean othersSyncQueued =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Per DVS, the other ports its bridge's flows were last made with. */
  private final Map<String, List<VlanPipeline.Port>> othersSeen =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Per DVS, serialises its flow changes: the pipeline's applies and the others' re-syncs. */
  private final Map<String, Object> flowLocks = new java.util.concurrent.ConcurrentHashMap<>();

  private Object flowLock(String dvsId) {
    return flowLocks.computeIfAbsent(dvsId, d -> new Object());
  }

  /** Writes again the flows of each bridge whose ovs-vswitchd restarted (a new session). */
  private void checkRestarts() {
    for (String dvsId : othersSeen.keySet()) {
      try {
        if (flowVlans.restarted(bridgeName(dvsId))) {
          LOG.warn(
              "ovs-vswitchd of bridge {} (DVS {}) restarted and lost its flows: writing them again",
              bridgeName(dvsId),
              dvsId);
          syncFlows(dvsId);
        }
      } catch (OpenFlowException | BackendException | RuntimeException e) {
        LOG.debug("restart check of DVS {}: {}", dvsId, e.getMessage());
      }
    }
  }

  /** On the OVSDB reader thread: queue one look at the other ports (coalesced). */
  private void portsChanged() {
    if (othersSyncQueued.compareAndSet(false, true)) {
      try {
        flowSync.execute(
            () -> {
              othersSyncQueued.set(false);
              syncOthers();
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        othersSyncQueued.set(false); // closed
      }
    }
  }

  private void syncOthers() {
    Collection<OvsPort> rows = client.ports().values();
    for (Map.Entry<String, List<VlanPipeline.Port>> seen : othersSeen.entrySet()) {
      String dvsId = seen.getKey();
      if (others(dvsId, rows).equals(seen.getValue())) {
        continue;
      }
      try {
        syncFlows(dvsId);
      } catch (BackendException | RuntimeException e) {
        LOG.warn(
            "the flows of DVS {} could not follow a port that is not ours: {}",
            dvsId,
            e.getMessage());
      }
    }
  }

  /** Whether name is one of this backend's names. */
  public static boolean isOvs(String name) {
    return NAME.equals(name) || OPENFLOW_NAME.equals(name);
  }

  @Override
  public String name() {
    return flowVlans == null ? NAME : OPENFLOW_NAME;
  }

  /**
   * The bridge of a DVS: "sp" and the first 12 hex digits of its id (Linux device names have at
   * most 15 characters).
   */
  public static String bridgeName(String dvsId) {
    String hex = dvsId.replace("-", "");
    return "sp" + (hex.length() > 12 ? hex.substring(0, 12) : hex);
  }

  /** The OVS port (and device) name of a port: "spp" and 12 hex digits of SHA-1(dvs id / key). */
  public static String portName(String dvsId, String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-1")
              .digest((dvsId + "/" + key).getBytes(StandardCharsets.UTF_8));
      return "spp" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JDK", e);
    }
  }

  @Override
  public Map<String, EffectivePort> ports(String dvsId) {
    if (flowVlans == null) {
      return ours(dvsId, client.ports().values());
    }
    Collection<OvsPort> rows = client.ports().values();
    // Not remembered: this read may race an apply of the DVS, whose result is what to remember.
    return oursWithFlows(dvsId, rows, observe(dvsId, rows, currentFlows(dvsId)));
  }

  /**
   * Our flows on the DVS's bridge, read now; none when it has no bridge or cannot be reached (its
   * ports then read back as having lost their flows: drift, which a repair rewrites).
   */
  private List<Flow> currentFlows(String dvsId) {
    String bridge = bridgeName(dvsId);
    if (client.bridgeUuid(bridge).isEmpty()) {
      return List.of();
    }
    try {
      return flowVlans.read(bridge);
    } catch (OpenFlowException e) {
      LOG.warn("cannot read the flows of bridge {} (DVS {}): {}", bridge, dvsId, e.getMessage());
      return List.of();
    }
  }

  /** What an apply or sync of a bridge's flows starts from. */
  private record FlowStart(OpenFlowVlans.Known flows, Map<Integer, Mode> modes) {}

  /**
   * What an apply or sync starts from: the bridge's flows as known (else read now, and remembered)
   * and its ports' modes as last written (else as the ingress flows read give them: the forwarding
   * table is rebuilt from those, not taken as a reason to cut the ports it would mention).
   */
  private FlowStart flowStart(String dvsId, Collection<OvsPort> rows) throws BackendException {
    String bridge = bridgeName(dvsId);
    try {
      OpenFlowVlans.Known known = flowVlans.known(bridge).orElse(null);
      if (known == null) {
        known = flowVlans.readAndRemember(bridge);
      }
      Map<Integer, Mode> modes = flowVlans.written(bridge).orElse(null);
      if (modes == null) {
        List<Integer> ofports = new ArrayList<>();
        for (OvsPort row : rows) {
          if (ofport(row) != 0) {
            ofports.add(ofport(row));
          }
        }
        modes = VlanPipeline.modes(known.flows().values(), ofports);
      }
      return new FlowStart(known, modes);
    } catch (OpenFlowException e) {
      throw new BackendException(
          "cannot read the flows of bridge "
              + bridge
              + ": "
              + e.getMessage()
              + "; nothing applied");
    }
  }

  /**
   * The OpenFlow port number of a row: the one it has, else the one it asked for; OVSDB gives the
   * reserved ones (the bridge's own port, 65534) as OpenFlow 1.0 numbers, which OpenFlow 1.4 spells
   * 0xffffff00 and up.
   */
  private static int ofport(OvsPort row) {
    if (row.ofport() == -1) {
      return 0; // ovs-vswitchd could not make the interface (a NIC the host lacks): no port
    }
    int n = row.ofport() != 0 ? row.ofport() : row.ofportRequest();
    return n >= 0xff00 && n <= 0xffff ? n | 0xffff0000 : n;
  }

  /** Whether row is a host-local clone on the DVS's bridge. */
  private static boolean isCloneOf(String dvsId, OvsPort row) {
    return dvsId.equals(row.externalIds().get("switchplane-host-local-dvs"));
  }

  /**
   * Each port's VLAN mode on the DVS's bridge (its ports, clones and the ports that are not ours)
   * as the flows say.
   */
  private Map<Integer, Mode> observe(
      String dvsId, Collection<OvsPort> rows, Collection<Flow> flows) {
    Map<Integer, Long> macs = new HashMap<>();
    for (OvsPort row : rows) {
      if ((dvsId.equals(row.externalIds().get("switchplane-dvs")) || isCloneOf(dvsId, row))
          && ofport(row) != 0) {
        macs.put(ofport(row), VlanModes.mac(stored(row)));
      }
    }
    for (VlanPipeline.Port p : others(dvsId, rows)) {
      macs.put(p.ofport(), p.mac());
    }
    return VlanPipeline.observe(flows, macs);
  }

  /**
   * The ports on the DVS's bridge that are neither its ports nor clones (the bridge's own port, an
   * uplink added by hand), as NORMAL would treat them: by their own tag and trunks columns (none:
   * every VLAN), so that they pass what they passed with the VLANs as columns.
   */
  private List<VlanPipeline.Port> others(String dvsId, Collection<OvsPort> rows) {
    java.util.Set<String> onBridge = client.bridgePorts(bridgeName(dvsId));
    List<VlanPipeline.Port> out = new ArrayList<>();
    for (OvsPort row : rows) {
      if (!onBridge.contains(row.uuid())
          || dvsId.equals(row.externalIds().get("switchplane-dvs"))
          || isCloneOf(dvsId, row)
          || row.ofport() <= 0) {
        continue;
      }
      Mode mode;
      if (!row.trunks().isEmpty()) {
        // A trunk (its tag, a native VLAN, is not modelled: such a port carries its trunks only).
        List<VlanPipeline.Range> ranges = new ArrayList<>();
        for (VlanRange r : trunk(row.trunks()).getRangesList()) {
          int first = Math.max(1, r.getFirst());
          int last = Math.min(4094, r.getLast());
          if (first <= last) {
            ranges.add(new VlanPipeline.Range(first, last));
          }
        }
        mode = ranges.isEmpty() ? new Mode.Blocked(new Mode.Untagged()) : new Mode.Trunk(ranges);
      } else if (row.tag() > 0 && row.tag() < DEAD_VLAN) {
        mode = new Mode.Access(row.tag());
      } else if (row.tag() == DEAD_VLAN) {
        mode = new Mode.Blocked(new Mode.Untagged());
      } else {
        mode = new Mode.Untagged();
      }
      out.add(new VlanPipeline.Port(ofport(row), mode, FlowMatch.ANY_MAC));
    }
    out.sort(java.util.Comparator.comparingInt(VlanPipeline.Port::ofport));
    return out;
  }

  /** Our ports with what OVSDB holds and the VLAN and blocking their flows (modes) give. */
  private static Map<String, EffectivePort> oursWithFlows(
      String dvsId, Collection<OvsPort> rows, Map<Integer, Mode> modes) {
    Map<String, EffectivePort> out = new HashMap<>();
    for (OvsPort row : rows) {
      if (!dvsId.equals(row.externalIds().get("switchplane-dvs"))) {
        continue;
      }
      EffectivePort seen = observed(stored(row), row);
      Mode mode = modes.getOrDefault(ofport(row), new Mode.Missing());
      out.put(
          seen.getKey(),
          seen.toBuilder().setPolicy(VlanModes.withMode(seen.getPolicy(), mode)).build());
    }
    return out;
  }

  /** The config a row keeps in its external ids (only the key when it has none readable). */
  private static EffectivePort stored(OvsPort row) {
    String config = row.externalIds().get("switchplane-config");
    try {
      if (config != null) {
        return EffectivePort.parseFrom(Base64.getDecoder().decode(config));
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException e) {
      // unreadable: as if it had none
    }
    return EffectivePort.newBuilder()
        .setKey(row.externalIds().getOrDefault("switchplane-port", row.name()))
        .build();
  }

  /**
   * What OVS held right after the last apply (the cache then: the transaction's own updates
   * included).
   */
  @Override
  public Map<String, EffectivePort> observedAfterApply(String dvsId) {
    Map<String, EffectivePort> seen = afterApply.get(dvsId);
    return seen != null ? seen : ports(dvsId);
  }

  private static Map<String, EffectivePort> ours(String dvsId, java.util.Collection<OvsPort> rows) {
    Map<String, EffectivePort> out = new HashMap<>();
    for (OvsPort row : rows) {
      if (!dvsId.equals(row.externalIds().get("switchplane-dvs"))) {
        continue; // not ours, or another DVS's
      }
      EffectivePort stored = stored(row);
      out.put(stored.getKey(), observed(stored, row));
    }
    return out;
  }

  /**
   * The stored config with what OVS really holds for the VLAN, blocking, MTU and which NIC the port
   * is.
   */
  private static EffectivePort observed(EffectivePort stored, OvsPort row) {
    EffectivePolicy.Builder policy = stored.getPolicy().toBuilder();
    if (row.tag() == DEAD_VLAN || (row.tag() == 0 && row.trunks().equals(List.of(DEAD_VLAN)))) {
      policy.setBlocked(true);
    } else {
      policy.setBlocked(false);
      if (row.tag() > 0) {
        policy.setVlan(Vlan.newBuilder().setAccessId(row.tag()));
      } else if (!row.trunks().isEmpty()) {
        policy.setVlan(Vlan.newBuilder().setTrunk(trunk(row.trunks())));
      } else {
        policy.setVlan(Vlan.newBuilder().setUntagged(Untagged.getDefaultInstance()));
      }
    }
    if (row.mtuRequest() > 0) {
      policy.setMtu(row.mtuRequest());
    }
    // A system interface is a device of the host: the port is that NIC. Ours are otherwise
    // internal.
    String nic = row.systemInterface() ? row.interfaceName() : "";
    return stored.toBuilder().setPolicy(policy).setNic(nic).build();
  }

  private static VlanTrunk trunk(List<Integer> ids) {
    VlanTrunk.Builder t = VlanTrunk.newBuilder();
    int first = -1;
    int last = -1;
    for (int id : ids) { // sorted by OVS
      if (first >= 0 && id == last + 1) {
        last = id;
        continue;
      }
      if (first >= 0) {
        t.addRanges(VlanRange.newBuilder().setFirst(first).setLast(last));
      }
      first = id;
      last = id;
    }
    if (first >= 0) {
      t.addRanges(VlanRange.newBuilder().setFirst(first).setLast(last));
    }
    return t.build();
  }

  @Override
  public void apply(String dvsId, List<PortOp> ops) throws BackendException {
    if (ops.isEmpty()) {
      afterApply.remove(dvsId); // nothing sent, nothing seen: a later look reads OVS again
      return;
    }
    if (flowVlans != null) {
      applyWithFlows(dvsId, ops);
      return;
    }
    OvsdbTransaction tx = new OvsdbTransaction();
    Ref bridge = bridge(tx, dvsId);
    Map<String, OvsPort> has = client.ports(); // one snapshot for the whole apply
    List<Ref> added = new ArrayList<>();
    for (PortOp op : ops) {
      String port = portName(dvsId, op.key());
      if (op.after() != null) {
        checkNic(dvsId, op.after(), has);
      }
      switch (op.kind()) {
        case ADD -> added.add(addPort(tx, dvsId, port, op.after(), Map.of(), 0));
        case UPDATE ->
            updatePort(
                tx, dvsId, existingPort(has, port, op.key(), dvsId), op.after(), Map.of(), 0);
        case REMOVE ->
            tx.removeFromSet(
                "Bridge",
                bridge,
                "ports",
                List.of(
                    OvsdbTransaction.existing(existingPort(has, port, op.key(), dvsId).uuid())));
        default -> throw new BackendException("unknown operation " + op);
      }
    }
    if (!added.isEmpty()) {
      tx.addToSet("Bridge", bridge, "ports", added);
    }
    client.transact(tx, ops.size() + " operation(s) on DVS " + dvsId);
    afterApply.put(dvsId, ours(dvsId, client.ports().values()));
  }

  /**
   * An apply with VLANs as flows: the flows of the DVS's bridge after ops (its other ports and its
   * clones as they are) in one atomic bundle, and an OVSDB transaction only for what OVSDB holds
   * (ports added or removed, an interface, MTU or other settings changed): a change of VLANs or
   * blocking alone is no OVSDB write. On an existing bridge the flows go first, and are put back
   * when the transaction then fails, so that either both or neither apply. A new bridge (the first
   * apply on the host), or one made before with the VLAN columns, gets the transaction first,
   * fail_mode secure, so that its ports pass nothing until their flows are in; should the flows
   * then be refused, the ports read back as drifted (no flows) and the apply fails.
   */
  private void applyWithFlows(String dvsId, List<PortOp> ops) throws BackendException {
    synchronized (flowLock(dvsId)) {
      applyWithFlowsLocked(dvsId, ops);
    }
  }

  private void applyWithFlowsLocked(String dvsId, List<PortOp> ops) throws BackendException {
    String bridgeName = bridgeName(dvsId);
    Map<String, OvsPort> has = client.ports(); // one snapshot for the whole apply
    boolean bridgeExists = client.bridgeUuid(bridgeName).isPresent();
    FlowStart start =
        bridgeExists
            ? flowStart(dvsId, has.values())
            : new FlowStart(new OpenFlowVlans.Known(Map.of(), -1), Map.of());
    Map<Integer, Mode> modes = start.modes();
    java.util.Set<Integer> used = new java.util.HashSet<>(client.ofportsInUse());
    // The bridge's ports after the ops: OpenFlow port → mode and MAC.
    Map<String, VlanPipeline.Port> next = new HashMap<>();
    for (OvsPort row : has.values()) {
      if (dvsId.equals(row.externalIds().get("switchplane-dvs"))) {
        String key = row.externalIds().getOrDefault("switchplane-port", row.name());
        int ofport = ofport(row);
        if (ofport == 0) {
          continue; // no OpenFlow port: no flows
        }
        next.put(
            key,
            new VlanPipeline.Port(
                ofport,
                modes.getOrDefault(ofport, new Mode.Missing()),
                VlanModes.mac(stored(row))));
      }
    }
    OvsdbTransaction tx = new OvsdbTransaction();
    List<Ref> added = new ArrayList<>();
    List<Ref> removed = new ArrayList<>();
    // A bridge made before with the VLAN columns (fail_mode standalone) flushes its flows when it
    // turns secure: the transaction goes first there too.
    boolean ovsdbFirst = !bridgeExists || !"secure".equals(client.bridgeFailMode(bridgeName));
    boolean write = ovsdbFirst;
    for (PortOp op : ops) {
      String port = portName(dvsId, op.key());
      if (op.after() != null) {
        checkNic(dvsId, op.after(), has);
      }
      switch (op.kind()) {
        case ADD -> {
          int ofport = free(used);
          added.add(addPort(tx, dvsId, port, op.after(), Map.of(), ofport));
          next.put(op.key(), pipelinePort(ofport, op.after()));
          write = true;
        }
        case UPDATE -> {
          OvsPort row = existingPort(has, port, op.key(), dvsId);
          boolean newInterface = row.interfaceUuid() == null || !sameInterface(row, op.after());
          int ofport = newInterface ? free(used) : ofport(row);
          EffectivePort now = observed(stored(row), row);
          if (newInterface
              || !VlanModes.withoutVlan(now).equals(VlanModes.withoutVlan(op.after()))) {
            updatePort(tx, dvsId, row, op.after(), Map.of(), ofport);
            write = true;
          }
          if (ofport != 0) {
            next.put(op.key(), pipelinePort(ofport, op.after()));
          }
        }
        case REMOVE -> {
          removed.add(OvsdbTransaction.existing(existingPort(has, port, op.key(), dvsId).uuid()));
          next.remove(op.key());
          write = true;
        }
        default -> throw new BackendException("unknown operation " + op);
      }
    }
    if (write) {
      Ref bridge = bridge(tx, dvsId);
      if (!added.isEmpty()) {
        tx.addToSet("Bridge", bridge, "ports", added);
      }
      if (!removed.isEmpty()) {
        tx.removeFromSet("Bridge", bridge, "ports", removed);
      }
    }
    String what = ops.size() + " operation(s) on DVS " + dvsId;
    othersSeen.putIfAbsent(dvsId, List.of()); // from now on, the others' changes are followed
    BridgeFlows flows;
    if (ovsdbFirst) {
      client.transact(tx, what);
      // What OVS made (the bridge's own port, the numbers it gave) is in the cache now.
      flows = bridgeFlows(dvsId, next.values(), client.ports().values());
      changeFlows(
          bridgeName, start.flows(), flows, "; the bridge's ports pass nothing until repaired");
    } else {
      flows = bridgeFlows(dvsId, next.values(), has.values());
      changeFlows(bridgeName, start.flows(), flows, "; nothing applied");
      if (write) {
        try {
          client.transact(tx, what);
        } catch (BackendException e) {
          putBack(bridgeName, flows.want(), start);
          throw e;
        }
      }
    }
    othersSeen.put(dvsId, flows.others());
    afterApply.put(dvsId, oursWithFlows(dvsId, client.ports().values(), flows.modes()));
  }

  /** The flows of a bridge with ours (DVS ports), its clones and the others, and their modes. */
  private record BridgeFlows(
      Map<Flow.Key, Flow> want, Map<Integer, Mode> modes, List<VlanPipeline.Port> others) {}

  private BridgeFlows bridgeFlows(
      String dvsId, Collection<VlanPipeline.Port> ours, Collection<OvsPort> rows)
      throws BackendException {
    List<VlanPipeline.Port> ports = new ArrayList<>(ours);
    ports.addAll(clones(dvsId, rows));
    List<VlanPipeline.Port> others = others(dvsId, rows);
    ports.addAll(others);
    Map<Integer, Mode> modes = new HashMap<>();
    ports.forEach(p -> modes.put(p.ofport(), p.mode()));
    try {
      return new BridgeFlows(VlanPipeline.flows(ports), modes, others);
    } catch (IllegalArgumentException e) {
      throw new BackendException(
          "the VLANs of DVS " + dvsId + " cannot be flows: " + e.getMessage());
    }
  }

  private void changeFlows(
      String bridgeName, OpenFlowVlans.Known has, BridgeFlows flows, String consequence)
      throws BackendException {
    try {
      flowVlans.change(bridgeName, has, flows.want(), flows.modes());
    } catch (OpenFlowException e) {
      throw new BackendException(
          "the flows of bridge " + bridgeName + " were refused: " + e.getMessage() + consequence);
    }
  }

  /**
   * Puts the flows back as they were before a failed apply; when it cannot, the ports' modes are
   * still taken to be the old ones (what the agent keeps as applied), so that the next apply or
   * repair writes them.
   */
  private void putBack(String bridgeName, Map<Flow.Key, Flow> now, FlowStart before) {
    try {
      flowVlans.change(
          bridgeName,
          new OpenFlowVlans.Known(now, -1), // read afresh: the failed apply's session is unknown
          before.flows().flows(),
          before.modes());
    } catch (OpenFlowException e) {
      flowVlans.written(bridgeName, before.modes());
      LOG.error(
          "the OVSDB transaction on bridge {} failed and its flows could not be put back ({}):"
              + " its ports read back as drifted until repaired",
          bridgeName,
          e.getMessage());
    }
  }

  /** Makes the flows of the DVS's bridge those of its ports and clones as they are. */
  private void syncFlows(String dvsId) throws BackendException {
    if (flowVlans == null) {
      return;
    }
    synchronized (flowLock(dvsId)) {
      syncFlowsLocked(dvsId);
    }
  }

  private void syncFlowsLocked(String dvsId) throws BackendException {
    String bridgeName = bridgeName(dvsId);
    if (client.bridgeUuid(bridgeName).isEmpty()) {
      othersSeen.remove(dvsId); // the DVS left the host: nothing to keep
      flowVlans.forget(bridgeName);
      return;
    }
    Collection<OvsPort> rows = client.ports().values();
    FlowStart start = flowStart(dvsId, rows);
    List<VlanPipeline.Port> ours = new ArrayList<>();
    for (OvsPort row : rows) {
      if (dvsId.equals(row.externalIds().get("switchplane-dvs")) && ofport(row) != 0) {
        ours.add(
            new VlanPipeline.Port(
                ofport(row),
                start.modes().getOrDefault(ofport(row), new Mode.Missing()),
                VlanModes.mac(stored(row))));
      }
    }
    BridgeFlows flows = bridgeFlows(dvsId, ours, rows);
    changeFlows(bridgeName, start.flows(), flows, "");
    othersSeen.put(dvsId, flows.others());
  }

  /** The host-local clones on the DVS's bridge, their modes from the config they keep. */
  private static List<VlanPipeline.Port> clones(String dvsId, Collection<OvsPort> rows) {
    List<VlanPipeline.Port> out = new ArrayList<>();
    for (OvsPort row : rows) {
      if (isCloneOf(dvsId, row) && ofport(row) != 0) {
        out.add(pipelinePort(ofport(row), stored(row)));
      }
    }
    return out;
  }

  private static VlanPipeline.Port pipelinePort(int ofport, EffectivePort p) {
    return new VlanPipeline.Port(ofport, VlanModes.mode(p), VlanModes.mac(p));
  }

  /** A free OpenFlow port number to ask for (and marks it used). */
  private static int free(java.util.Set<Integer> used) {
    int n = 1;
    while (used.contains(n)) {
      n++;
    }
    used.add(n);
    return n;
  }

  /** With VLANs as flows, a free OpenFlow port number for a new interface; else none. */
  private int ofportRequest() {
    return flowVlans == null ? 0 : free(new java.util.HashSet<>(client.ofportsInUse()));
  }

  /**
   * The DVS's bridge: the existing one (made ours again if someone changed it) or a new one, as
   * add-br makes it.
   */
  private Ref bridge(OvsdbTransaction tx, String dvsId) throws BackendException {
    String name = bridgeName(dvsId);
    java.util.Optional<String> existing = client.bridgeUuid(name);
    if (existing.isPresent()) {
      Ref bridge = OvsdbTransaction.existing(existing.get());
      tx.expectNamed("Bridge", existing.get(), name);
      JsonObject columns = new JsonObject();
      columns.addProperty("datapath_type", "netdev");
      if (flowVlans != null) {
        columns.addProperty("fail_mode", "secure"); // no NORMAL flow: only ours forward
      }
      tx.update("Bridge", bridge, columns);
      tx.putAll("Bridge", bridge, "external_ids", Map.of("switchplane-dvs", dvsId));
      return bridge;
    }
    // Like ovs-vsctl add-br: the bridge's own internal port (its local port) comes with it.
    JsonObject iface = new JsonObject();
    iface.addProperty("name", name);
    iface.addProperty("type", "internal");
    JsonObject local = new JsonObject();
    local.addProperty("name", name);
    local.add("interfaces", OvsdbTransaction.refs(List.of(tx.insert("Interface", iface))));
    JsonObject row = new JsonObject();
    row.addProperty("name", name);
    row.addProperty("datapath_type", "netdev");
    if (flowVlans != null) {
      row.addProperty("fail_mode", "secure");
    }
    row.add("ports", OvsdbTransaction.refs(List.of(tx.insert("Port", local))));
    row.add("external_ids", OvsdbTransaction.map(Map.of("switchplane-dvs", dvsId)));
    Ref bridge = tx.insert("Bridge", row);
    tx.addToSet(
        "Open_vSwitch", OvsdbTransaction.existing(client.rootUuid()), "bridges", List.of(bridge));
    return bridge;
  }

  private static OvsPort existingPort(
      Map<String, OvsPort> has, String port, String key, String dvsId) throws BackendException {
    return java.util.Optional.ofNullable(has.get(port))
        .orElseThrow(
            () ->
                new BackendException(
                    String.format(
                        "port %s (OVS port %s) of DVS %s is not in OVS (removed by hand?); nothing applied",
                        key, port, dvsId)));
  }

  /**
   * Whether p is the host's NIC on the bridge: an uplink NIC port whose host maps a NIC to the
   * uplink.
   */
  static boolean isNic(EffectivePort p) {
    return p.getConnectee().hasUplinkNic() && !p.getNic().isEmpty();
  }

  /**
   * Refuses an uplink NIC that a port outside this DVS holds (another bridge's, or one added by
   * hand); warns about an uplink port that stays internal because its host maps no NIC.
   */
  private static void checkNic(String dvsId, EffectivePort p, Map<String, OvsPort> has)
      throws BackendException {
    if (!p.getConnectee().hasUplinkNic()) {
      return;
    }
    String uplink = p.getConnectee().getUplinkNic().getUplink();
    if (!isNic(p)) {
      LOG.warn(
          "port {} of DVS {} is uplink {}, but this host maps no NIC to {}: it stays an internal port and the VLANs"
              + " it prunes still reach the host; map one with 'switchplane dvs add-host DVS HOST --nic {}=NIC'",
          p.getKey(),
          dvsId,
          uplink,
          uplink,
          uplink);
      return;
    }
    for (OvsPort row : has.values()) {
      if (row.interfaceName().equals(p.getNic())
          && !dvsId.equals(row.externalIds().get("switchplane-dvs"))) {
        throw new BackendException(
            String.format(
                "NIC %s (uplink %s, port %s of DVS %s) is already OVS port %s, "
                    + "which is not this DVS's; detach it from that bridge first; nothing applied",
                p.getNic(), uplink, p.getKey(), dvsId, row.name()));
      }
    }
  }

  /** Inserts a port with config p (and extra external ids); returns it, for the bridge to add. */
  private Ref addPort(
      OvsdbTransaction tx,
      String dvsId,
      String port,
      EffectivePort p,
      Map<String, String> extraIds,
      int ofportRequest) {
    JsonObject row = portColumns(p);
    row.addProperty("name", port);
    row.add(
        "interfaces", OvsdbTransaction.refs(List.of(insertInterface(tx, port, p, ofportRequest))));
    row.add("external_ids", OvsdbTransaction.map(portIds(dvsId, p, extraIds)));
    return tx.insert("Port", row);
  }

  /**
   * The interface port p is: its NIC (a system interface, the host's device) or an internal port
   * named port.
   */
  private static Ref insertInterface(
      OvsdbTransaction tx, String port, EffectivePort p, int ofportRequest) {
    JsonObject iface = interfaceColumns(p);
    if (ofportRequest > 0) {
      iface.addProperty("ofport_request", ofportRequest); // the number our flows use
    }
    if (isNic(p)) {
      iface.addProperty(
          "name", p.getNic()); // no type: a system interface, which OVS never creates or deletes
    } else {
      iface.addProperty("name", port);
      iface.addProperty("type", "internal");
    }
    iface.add("external_ids", OvsdbTransaction.map(interfaceIds(p)));
    return tx.insert("Interface", iface);
  }

  /**
   * Whether the port's interface is already the one p wants (its NIC, or an internal port of the
   * port's name).
   */
  private static boolean sameInterface(OvsPort port, EffectivePort p) {
    return isNic(p)
        ? port.systemInterface() && port.interfaceName().equals(p.getNic())
        : "internal".equals(port.interfaceType()) && port.interfaceName().equals(port.name());
  }

  /**
   * Sets config p on an existing port, keeping external ids that are not ours; a new interface asks
   * for ofportRequest (0: none).
   */
  private void updatePort(
      OvsdbTransaction tx,
      String dvsId,
      OvsPort port,
      EffectivePort p,
      Map<String, String> extraIds,
      int ofportRequest) {
    Ref row = OvsdbTransaction.existing(port.uuid());
    tx.expectNamed("Port", port.uuid(), port.name());
    JsonObject columns = portColumns(p);
    boolean newInterface = port.interfaceUuid() == null || !sameInterface(port, p);
    if (newInterface) {
      // The old interface row goes with its last reference (an internal device with it, never a
      // NIC).
      columns.add(
          "interfaces",
          OvsdbTransaction.refs(List.of(insertInterface(tx, port.name(), p, ofportRequest))));
    }
    tx.update("Port", row, columns);
    tx.putAll("Port", row, "external_ids", portIds(dvsId, p, extraIds));
    if (newInterface) {
      return;
    }
    JsonObject iface = interfaceColumns(p);
    Map<String, String> ifaceIds = interfaceIds(p);
    if (iface.size() > 0 || !ifaceIds.isEmpty()) {
      Ref i = OvsdbTransaction.existing(port.interfaceUuid());
      if (iface.size() > 0) {
        tx.update("Interface", i, iface);
      }
      if (!ifaceIds.isEmpty()) {
        tx.putAll("Interface", i, "external_ids", ifaceIds);
      }
    }
  }

  /**
   * The VLAN columns of a port: see the class comment for the mapping; all empty when the VLANs are
   * flows.
   */
  private JsonObject portColumns(EffectivePort p) {
    EffectivePolicy policy = p.getPolicy();
    JsonObject row = new JsonObject();
    row.add("tag", OvsdbTransaction.empty());
    row.add("trunks", OvsdbTransaction.empty());
    if (flowVlans != null) {
      row.add("vlan_mode", OvsdbTransaction.empty());
      return row;
    }
    if (policy.getBlocked() && isNic(p)) {
      row.add(
          "trunks",
          OvsdbTransaction.ints(
              List.of(DEAD_VLAN))); // see the class comment: a NIC that drops every VLAN
      row.addProperty("vlan_mode", "trunk");
    } else if (policy.getBlocked()) {
      row.addProperty("tag", DEAD_VLAN);
      row.addProperty("vlan_mode", "access");
    } else if (policy.getVlan().hasTrunk()) {
      List<Integer> trunks = new ArrayList<>();
      for (VlanRange r : policy.getVlan().getTrunk().getRangesList()) {
        for (int id = r.getFirst(); id <= r.getLast(); id++) {
          trunks.add(id);
        }
      }
      row.add("trunks", OvsdbTransaction.ints(trunks));
      row.addProperty("vlan_mode", "trunk");
    } else if (policy.getVlan().getAccessId() > 0) {
      row.addProperty("tag", policy.getVlan().getAccessId());
      row.addProperty("vlan_mode", "access");
    } else {
      // OVS's default (no tag, no trunks): frames pass as they are, like vSphere's VLAN type
      // "none".
      row.add("vlan_mode", OvsdbTransaction.empty());
    }
    return row;
  }

  /**
   * The port's identity and whole config; switchplane-dvs only for a DVS port (a host-local clone
   * has none).
   */
  private Map<String, String> portIds(String dvsId, EffectivePort p, Map<String, String> extraIds) {
    Map<String, String> ids = new HashMap<>(extraIds);
    ids.put("switchplane-port", p.getKey());
    // With VLANs as flows a DVS port's VLAN lives in its flows alone, so a VLAN change is no OVSDB
    // write; a clone (no DVS) keeps its whole config here, its flows come from it.
    EffectivePort kept = flowVlans != null && !dvsId.isEmpty() ? VlanModes.withoutVlan(p) : p;
    ids.put("switchplane-config", Base64.getEncoder().encodeToString(kept.toByteArray()));
    if (!dvsId.isEmpty()) {
      ids.put("switchplane-dvs", dvsId);
    }
    return ids;
  }

  /** The interface's MTU request, when the config has one (no MTU leaves OVS's as it is). */
  private static JsonObject interfaceColumns(EffectivePort p) {
    JsonObject iface = new JsonObject();
    if (p.getPolicy().getMtu() > 0) {
      iface.addProperty("mtu_request", p.getPolicy().getMtu());
    }
    return iface;
  }

  /** A VM NIC's MAC and VM, where OVS integrations look for them. */
  private static Map<String, String> interfaceIds(EffectivePort p) {
    if (!p.getConnectee().hasVmNic()) {
      return Map.of();
    }
    return Map.of(
        "attached-mac",
        p.getConnectee().getVmNic().getMac(),
        "vm-uuid",
        p.getConnectee().getVmNic().getVmUuid());
  }

  /**
   * OVS's run directory: where the OVSDB socket is (unix:DIR/db.sock), which is where ovs-vswitchd
   * puts its bridges' management sockets when both run with the same OVS_RUNDIR, as Debian's do
   * (/var/run/openvswitch); /var/run/openvswitch for a TCP database.
   */
  static java.nio.file.Path runDir(String db) {
    if (db.startsWith("unix:")) {
      java.nio.file.Path parent = java.nio.file.Path.of(db.substring(5)).getParent();
      if (parent != null) {
        return parent;
      }
    }
    return java.nio.file.Path.of("/var/run/openvswitch");
  }

  /**
   * Sends the port's RARP ({@link RarpFrame}) into the bridge as if the VM had sent it: {@code
   * ovs-ofctl packet-out} with the port as in_port and the NORMAL action, so the bridge tags it
   * with the port's VLAN, learns the MAC on the port and floods it out of the uplinks, where the
   * fabric learns it too. OpenFlow, not OVSDB: OVSDB has no way to send a frame.
   */
  @Override
  public void announce(String dvsId, EffectivePort port) throws BackendException {
    if (!port.getConnectee().hasVmNic()) {
      return;
    }
    String bridge = bridgeName(dvsId);
    if (flowVlans != null) {
      java.util.Optional<OvsPort> row = client.port(portName(dvsId, port.getKey()));
      if (row.isEmpty() || ofport(row.get()) == 0) {
        throw new BackendException(
            "port " + port.getKey() + " has no OpenFlow port to announce from");
      }
      try {
        flowVlans.packetOut(
            bridge,
            ofport(row.get()),
            HexFormat.of().parseHex(RarpFrame.hex(port.getConnectee().getVmNic().getMac())));
      } catch (OpenFlowException e) {
        throw new BackendException("packet-out on " + bridge + " failed: " + e.getMessage());
      }
      return;
    }
    String target = "unix:" + runDir.resolve(bridge + ".mgmt");
    Commands.Result r =
        Commands.run(
            List.of(
                "ovs-ofctl",
                "packet-out",
                target,
                "in_port="
                    + portName(dvsId, port.getKey())
                    + " packet="
                    + RarpFrame.hex(port.getConnectee().getVmNic().getMac())
                    + " actions=NORMAL"),
            TIMEOUT.toSeconds());
    if (!r.ok()) {
      throw new BackendException(
          "ovs-ofctl packet-out on " + bridge + " failed: " + r.err().strip());
    }
  }

  /** The OVS port (and device) name of the host-local clone of a port: "spl" and 12 hex digits. */
  public static String cloneName(String dvsId, String key) {
    return "spl" + portName(dvsId, key).substring(3);
  }

  @Override
  public void moveManagementToClone(String dvsId, String key, EffectivePort config)
      throws BackendException {
    String clone = cloneName(dvsId, key);
    String bridgeName = bridgeName(dvsId);
    String bridge =
        client
            .bridgeUuid(bridgeName)
            .orElseThrow(
                () ->
                    new BackendException(
                        "DVS "
                            + dvsId
                            + " has no bridge "
                            + bridgeName
                            + " in OVS: no management port to clone"));
    // Not a DVS port (no switchplane-dvs), so the DVS's diffs and drift checks never see it.
    Map<String, String> hostLocal =
        Map.of("switchplane-host-local-dvs", dvsId, "switchplane-host-local-of", key);
    OvsdbTransaction tx = new OvsdbTransaction();
    java.util.Optional<OvsPort> existing = client.port(clone);
    EffectivePort internal =
        config.toBuilder().clearNic().build(); // a clone is never a NIC: the NIC is the port's
    if (existing.isPresent()) {
      updatePort(tx, "", existing.get(), internal, hostLocal, ofportRequest());
    } else {
      tx.expectNamed("Bridge", bridge, bridgeName);
      tx.addToSet(
          "Bridge",
          OvsdbTransaction.existing(bridge),
          "ports",
          List.of(addPort(tx, "", clone, internal, hostLocal, ofportRequest())));
    }
    client.transact(tx, "the host-local clone of management port " + key + " on DVS " + dvsId);
    syncFlows(dvsId);
    LinuxLinks.moveAddresses(portName(dvsId, key), clone, true);
  }

  @Override
  public java.util.Optional<EffectivePort> managementClone(String dvsId, String key) {
    for (OvsPort row : client.ports().values()) {
      Map<String, String> ids = row.externalIds();
      if (dvsId.equals(ids.get("switchplane-host-local-dvs"))
          && key.equals(ids.get("switchplane-host-local-of"))) {
        try {
          return java.util.Optional.of(
              EffectivePort.parseFrom(Base64.getDecoder().decode(ids.get("switchplane-config"))));
        } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
          return java.util.Optional.of(EffectivePort.newBuilder().setKey(key).build());
        }
      }
    }
    return java.util.Optional.empty();
  }

  @Override
  public void removeManagementClone(String dvsId, String key) throws BackendException {
    String clone = cloneName(dvsId, key);
    LinuxLinks.moveAddresses(clone, portName(dvsId, key), false);
    java.util.Optional<OvsPort> port = client.port(clone);
    java.util.Optional<String> bridge = client.bridgeUuid(bridgeName(dvsId));
    if (port.isEmpty() || bridge.isEmpty()) {
      return; // already gone (like --if-exists del-port)
    }
    OvsdbTransaction tx = new OvsdbTransaction();
    tx.removeFromSet(
        "Bridge",
        OvsdbTransaction.existing(bridge.get()),
        "ports",
        List.of(OvsdbTransaction.existing(port.get().uuid())));
    client.transact(
        tx, "removing the host-local clone of management port " + key + " on DVS " + dvsId);
    syncFlows(dvsId);
  }

  @Override
  public void close() {
    if (flowSync != null) {
      flowSync.shutdownNow();
    }
    if (flowVlans != null) {
      flowVlans.close();
    }
    client.close();
  }
}
