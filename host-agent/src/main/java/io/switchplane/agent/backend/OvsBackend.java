package io.switchplane.agent.backend;

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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Open vSwitch as the host switch: the host's part of a DVS is a bridge ({@code datapath_type=netdev},
 * the userspace datapath, no kernel module needed), each port an internal port. An apply is ONE
 * {@code ovs-vsctl} invocation carrying every command, which ovs-vsctl sends as one OVSDB
 * transaction (RFC 7047 "transact"): all of it or none, one round trip to ovsdb-server, one
 * process per apply rather than per port. ovs-vsctl (not a hand-written OVSDB client) because it
 * is the tool operators already trust, it waits until ovs-vswitchd has applied the change, and
 * its command language covers every column we set.
 *
 * <p>Mapping: access VLAN → {@code tag}; trunk → {@code trunks} with {@code vlan_mode=trunk};
 * untagged → neither (OVS's default: frames pass as they are, like vSphere's VLAN type none); blocked → {@code tag=4095}, the dead VLAN Neutron's OVS agent uses for
 * ports that must not pass traffic (operators cannot use 4095, so nothing else shares it); MTU
 * → the interface's {@code mtu_request}. The port's identity and whole effective config are kept
 * in {@code external_ids} ({@code switchplane-dvs}, {@code switchplane-port},
 * {@code switchplane-config}, plus {@code attached-mac} and {@code vm-uuid} for a VM NIC), so that
 * {@link #ports} reads back what OVS really has: the stored config with the VLAN and MTU as OVS
 * holds them now, so a change made by hand shows up as drift. Ports and bridges without
 * {@code switchplane-dvs} are never touched.
 */
public final class OvsBackend implements SwitchBackend {
  public static final String NAME = "ovs";
  /** The tag of a blocked port (Neutron's DEAD_VLAN_TAG). */
  public static final int DEAD_VLAN = 4095;

  private final OvsVsctl vsctl;
  /** What OVS reported right after the last apply of each DVS (read in the same ovs-vsctl run). */
  private final Map<String, Map<String, EffectivePort>> afterApply = new java.util.concurrent.ConcurrentHashMap<>();

  /** A backend on the ovsdb-server at db (e.g. unix:/run/openvswitch/db.sock). Does no I/O. */
  public OvsBackend(String db) {
    this.vsctl = new OvsVsctl(Objects.requireNonNull(db, "db"));
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The bridge of a DVS: "sp" and the first 12 hex digits of its id (Linux device names have at most 15 characters). */
  public static String bridgeName(String dvsId) {
    String hex = dvsId.replace("-", "");
    return "sp" + (hex.length() > 12 ? hex.substring(0, 12) : hex);
  }

  /** The OVS port (and device) name of a port: "spp" and 12 hex digits of SHA-1(dvs id / key). */
  public static String portName(String dvsId, String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest((dvsId + "/" + key).getBytes(StandardCharsets.UTF_8));
      return "spp" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JDK", e);
    }
  }

  @Override
  public Map<String, EffectivePort> ports(String dvsId) {
    return ours(dvsId, vsctl.ports());
  }

  /** What OVS held right after the last apply (no new read: it came back with the transaction). */
  @Override
  public Map<String, EffectivePort> observedAfterApply(String dvsId) {
    Map<String, EffectivePort> seen = afterApply.get(dvsId);
    return seen != null ? seen : ports(dvsId);
  }

  private static Map<String, EffectivePort> ours(String dvsId, List<OvsVsctl.PortRow> rows) {
    Map<String, EffectivePort> out = new HashMap<>();
    for (OvsVsctl.PortRow row : rows) {
      if (!dvsId.equals(row.externalIds().get("switchplane-dvs"))) {
        continue; // not ours, or another DVS's
      }
      String config = row.externalIds().get("switchplane-config");
      EffectivePort stored;
      try {
        stored = config == null ? EffectivePort.newBuilder().setKey(row.externalIds().getOrDefault("switchplane-port",
            row.name())).build() : EffectivePort.parseFrom(Base64.getDecoder().decode(config));
      } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException e) {
        stored = EffectivePort.newBuilder().setKey(row.externalIds().getOrDefault("switchplane-port", row.name())).build();
      }
      out.put(stored.getKey(), observed(stored, row));
    }
    return out;
  }

  /** The stored config with what OVS really holds for the VLAN, blocking and MTU. */
  private static EffectivePort observed(EffectivePort stored, OvsVsctl.PortRow row) {
    EffectivePolicy.Builder policy = stored.getPolicy().toBuilder();
    if (row.tag() == DEAD_VLAN) {
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
    return stored.toBuilder().setPolicy(policy).build();
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
    String bridge = bridgeName(dvsId);
    List<String> args = new ArrayList<>(List.of("--may-exist", "add-br", bridge, "--", "set", "bridge", bridge,
        "datapath_type=netdev", "external_ids:switchplane-dvs=" + dvsId));
    for (PortOp op : ops) {
      String port = portName(dvsId, op.key());
      switch (op.kind()) {
        case ADD -> {
          args.addAll(List.of("--", "add-port", bridge, port, "--", "set", "interface", port, "type=internal"));
          setPort(args, dvsId, port, op.after());
        }
        case UPDATE -> setPort(args, dvsId, port, op.after());
        case REMOVE -> args.addAll(List.of("--", "del-port", bridge, port));
        default -> throw new BackendException("unknown operation " + op);
      }
    }
    afterApply.put(dvsId, ours(dvsId, vsctl.transact(args, ops.size(), dvsId)));
  }

  private static void setPort(List<String> args, String dvsId, String port, EffectivePort p) {
    EffectivePolicy policy = p.getPolicy();
    args.addAll(List.of("--", "clear", "port", port, "tag", "--", "clear", "port", port, "trunks",
        "--", "set", "port", port, "external_ids:switchplane-port=" + p.getKey(),
        "external_ids:switchplane-config=" + Base64.getEncoder().encodeToString(p.toByteArray())));
    if (!dvsId.isEmpty()) {
      args.add("external_ids:switchplane-dvs=" + dvsId); // a host-local clone has none: it is no DVS port
    }
    if (policy.getBlocked()) {
      args.addAll(List.of("tag=" + DEAD_VLAN, "vlan_mode=access"));
    } else if (policy.getVlan().hasTrunk()) {
      StringBuilder trunks = new StringBuilder();
      for (VlanRange r : policy.getVlan().getTrunk().getRangesList()) {
        for (int id = r.getFirst(); id <= r.getLast(); id++) {
          trunks.append(trunks.length() == 0 ? "" : ",").append(id);
        }
      }
      args.addAll(List.of("trunks=" + trunks, "vlan_mode=trunk"));
    } else if (policy.getVlan().getAccessId() > 0) {
      args.addAll(List.of("tag=" + policy.getVlan().getAccessId(), "vlan_mode=access"));
    } else {
      // OVS's default (no tag, no trunks): frames pass as they are, like vSphere's VLAN type "none".
      args.addAll(List.of("--", "clear", "port", port, "vlan_mode"));
    }
    if (p.getConnectee().hasVmNic()) {
      args.addAll(List.of("--", "set", "interface", port, "external_ids:attached-mac=" + p.getConnectee().getVmNic().getMac(),
          "external_ids:vm-uuid=" + p.getConnectee().getVmNic().getVmUuid()));
    }
    if (policy.getMtu() > 0) {
      args.addAll(List.of("--", "set", "interface", port, "mtu_request=" + policy.getMtu()));
    }
  }

  /** The OVS port (and device) name of the host-local clone of a port: "spl" and 12 hex digits. */
  public static String cloneName(String dvsId, String key) {
    return "spl" + portName(dvsId, key).substring(3);
  }

  @Override
  public void moveManagementToClone(String dvsId, String key, EffectivePort config) throws BackendException {
    String clone = cloneName(dvsId, key);
    List<String> args = new ArrayList<>(List.of("--may-exist", "add-port", bridgeName(dvsId), clone, "--", "set",
        "interface", clone, "type=internal"));
    // Not a DVS port (no switchplane-dvs), so the DVS's diffs and drift checks never see it.
    setPort(args, "", clone, config);
    args.addAll(List.of("--", "set", "port", clone, "external_ids:switchplane-host-local-dvs=" + dvsId,
        "external_ids:switchplane-host-local-of=" + key));
    vsctl.transact(args, 1, dvsId);
    LinuxLinks.moveAddresses(portName(dvsId, key), clone, true);
  }

  @Override
  public java.util.Optional<EffectivePort> managementClone(String dvsId, String key) {
    for (OvsVsctl.PortRow row : vsctl.ports()) {
      Map<String, String> ids = row.externalIds();
      if (dvsId.equals(ids.get("switchplane-host-local-dvs")) && key.equals(ids.get("switchplane-host-local-of"))) {
        try {
          return java.util.Optional.of(EffectivePort.parseFrom(Base64.getDecoder().decode(ids.get("switchplane-config"))));
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
    vsctl.transact(new ArrayList<>(List.of("--if-exists", "del-port", bridgeName(dvsId), clone)), 1, dvsId);
  }

  @Override
  public void close() {
    // Nothing held open: each apply is one ovs-vsctl run.
  }
}
