package io.switchplane.manager.vmtracker;

import io.switchplane.api.v1.BlockedSetting;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortUpdate;
import io.switchplane.api.v1.UplinkNic;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.VlanTrunk;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.vmtracker.TrackerView.HostNeed;
import io.switchplane.vcenter.VlanSet;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tracker's uplink ports: one port per DVS uplink per tracked host, in the uplink port group,
 * whose VLAN is a trunk of exactly what the host needs. An empty need blocks the port (a trunk
 * cannot be empty; "allowed vlan none"). The ports are the tracker's own: it creates them when a
 * host becomes tracked and deletes them when it stops being tracked.
 *
 * <p>Each port's connectee says which uplink it is ({@code UplinkNic}): on a real switch the port
 * is the host's NIC backing that uplink (the member's {@code --nic}), so what it prunes never
 * reaches the wire. The description is for operators only.
 *
 * <p>{@link #ops} compares with what is stored and returns only the differences, so an unchanged
 * inventory commits nothing.
 */
public final class UplinkPorts {
  static final String DESCRIPTION_PREFIX = "vmtracker ";

  private UplinkPorts() {}

  /** The change set that makes the stored uplink ports carry view's needs; empty when they do. */
  public static List<ChangeOp> ops(
      TrackerConfig config, DvsConfig dvs, Map<String, HostNeed> needs) {
    List<ChangeOp> ops = new ArrayList<>();
    Optional<PortGroup> group = dvs.findPortGroup(config.uplinkPortGroup());
    if (group.isEmpty()) {
      if (needs.isEmpty()) {
        return ops;
      }
      ops.add(ChangeOp.newBuilder().setCreatePortGroup(uplinkGroup(config)).build());
    }
    Map<String, Port> wanted = new TreeMap<>();
    for (HostNeed need : needs.values()) {
      for (String uplink : dvs.dvs().getUplinksList()) {
        Port p = port(config, need, uplink);
        wanted.put(p.getKey(), p);
      }
    }
    String groupId = group.map(PortGroup::getId).orElse("");
    for (Port p : wanted.values()) {
      Port have = dvs.ports().get(p.getKey());
      if (have == null) {
        ops.add(ChangeOp.newBuilder().setCreatePort(p).build());
      } else if (!same(have, p, groupId)) {
        ops.add(
            ChangeOp.newBuilder()
                .setUpdatePort(PortUpdate.newBuilder().setKey(p.getKey()).setSettings(p))
                .build());
      }
    }
    if (group.isPresent()) {
      for (Port have : dvs.ports().values()) {
        if (have.getPortGroupId().equals(groupId)
            && have.getDescription().startsWith(DESCRIPTION_PREFIX + config.vcenter() + ":")
            && !wanted.containsKey(have.getKey())) {
          ops.add(ChangeOp.newBuilder().setDeletePort(have.getKey()).build());
        }
      }
    }
    return ops;
  }

  /** What the stored uplink ports of hostId carry: the VLANs all of them pass (EMPTY when none). */
  public static Optional<VlanSet> carried(TrackerConfig config, DvsConfig dvs, String hostId) {
    Optional<PortGroup> group = dvs.findPortGroup(config.uplinkPortGroup());
    if (group.isEmpty()) {
      return Optional.empty();
    }
    VlanSet carried = null;
    for (Port p : dvs.portsOnHost(hostId)) {
      if (!p.getPortGroupId().equals(group.get().getId())) {
        continue;
      }
      VlanSet v =
          p.getPolicy().getBlocked().getValue()
              ? VlanSet.EMPTY
              : TrackerPlanner.vlansOf(p.getPolicy().getVlan().getValue());
      carried = carried == null ? v : carried.intersect(v);
    }
    return Optional.ofNullable(carried);
  }

  static PortGroup uplinkGroup(TrackerConfig config) {
    return PortGroup.newBuilder()
        .setName(config.uplinkPortGroup())
        .setBinding(PortBinding.PORT_BINDING_STATIC)
        .setDescription("Host uplink ports provisioned by the VM tracker")
        .setPolicy(
            Policy.newBuilder()
                .setVlan(
                    VlanSetting.newBuilder()
                        .setValue(trunk(VlanSet.ofRange(VlanSet.MIN, VlanSet.MAX)))
                        .setOverrideAllowed(true))
                .setBlocked(BlockedSetting.newBuilder().setValue(false).setOverrideAllowed(true)))
        .build();
  }

  static Port port(TrackerConfig config, HostNeed need, String uplink) {
    VlanSet vlans = need.needed();
    Policy.Builder policy = Policy.newBuilder();
    if (vlans.isEmpty()) {
      policy.setBlocked(BlockedSetting.newBuilder().setValue(true));
    } else {
      policy.setVlan(VlanSetting.newBuilder().setValue(trunk(vlans)));
    }
    return Port.newBuilder()
        .setKey(key(need.hostName(), need.hostId(), uplink))
        .setPortGroupId(config.uplinkPortGroup())
        .setHostId(need.hostId())
        .setPolicy(policy)
        .setConnectee(Connectee.newBuilder().setUplinkNic(UplinkNic.newBuilder().setUplink(uplink)))
        .setDescription(
            DESCRIPTION_PREFIX + config.vcenter() + ": " + uplink + " of " + need.hostName())
        .build();
  }

  /** "host:uplink" when that is a valid port key, else a digest of host id and uplink. */
  static String key(String hostName, String hostId, String uplink) {
    String readable = hostName + ":" + uplink;
    if (ModelValidator.isPortKey(readable)) {
      return readable;
    }
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest((hostId + "/" + uplink).getBytes(StandardCharsets.UTF_8));
      return "vmt-" + HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static Vlan trunk(VlanSet vlans) {
    VlanTrunk.Builder t = VlanTrunk.newBuilder();
    for (VlanSet.Range r : vlans.ranges()) {
      t.addRanges(VlanRange.newBuilder().setFirst(r.first()).setLast(r.last()));
    }
    return Vlan.newBuilder().setTrunk(t).build();
  }

  private static boolean same(Port have, Port want, String groupId) {
    return have.getPortGroupId().equals(groupId)
        && have.getHostId().equals(want.getHostId())
        && have.getPolicy().equals(want.getPolicy())
        && have.getDescription().equals(want.getDescription())
        && have.getConnectee().equals(want.getConnectee());
  }
}
