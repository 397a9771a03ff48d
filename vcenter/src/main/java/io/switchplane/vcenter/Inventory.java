package io.switchplane.vcenter;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the tracker knows of one vCenter at one moment: an immutable value, replaced whole after
 * every batch of property-collector updates. Keys are managed-object reference values ("host-21",
 * "vm-57", "dvportgroup-13"), which vCenter never reuses while the object lives.
 *
 * @param hosts ESXi hosts by moref
 * @param vms virtual machines by moref
 * @param networks port groups (distributed and standard) by moref
 * @param switches distributed switches by moref
 * @param version the property collector's version string after this batch ("" before the first)
 * @param syncedAt when this view was built from vCenter's answer (the tracker's clock)
 */
public record Inventory(
    Map<String, Host> hosts,
    Map<String, Vm> vms,
    Map<String, Network> networks,
    Map<String, Switch> switches,
    String version,
    Instant syncedAt) {

  public static final Inventory EMPTY =
      new Inventory(Map.of(), Map.of(), Map.of(), Map.of(), "", Instant.EPOCH);

  public Inventory {
    hosts = Map.copyOf(hosts);
    vms = Map.copyOf(vms);
    networks = Map.copyOf(networks);
    switches = Map.copyOf(switches);
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(syncedAt, "syncedAt");
  }

  /** vCenter's power states of a VM. */
  public enum PowerState {
    POWERED_ON,
    POWERED_OFF,
    SUSPENDED
  }

  /**
   * An ESXi host.
   *
   * @param connectionState "connected", "disconnected" or "notResponding" (vCenter's words)
   */
  public record Host(String id, String name, String connectionState, boolean inMaintenance) {}

  /**
   * A virtual NIC of a VM.
   *
   * @param label the device label, e.g. "Network adapter 1"
   * @param networkId moref of the network it is connected to ("" when none)
   * @param portKey the DVS port key when connected to a distributed port group, else ""
   * @param connected whether the NIC is connected (a disconnected NIC needs no VLAN)
   * @param guestIps the addresses VMware Tools report on this NIC ({@code guest.net}, matched by
   *     device key, else MAC), as vCenter spells them; empty when the tools report none
   */
  public record Nic(
      String label,
      String mac,
      String networkId,
      String portKey,
      boolean connected,
      List<String> guestIps) {
    public Nic {
      guestIps = List.copyOf(guestIps);
    }

    /** A NIC whose guest reports no address. */
    public Nic(String label, String mac, String networkId, String portKey, boolean connected) {
      this(label, mac, networkId, portKey, connected, List.of());
    }
  }

  /** A virtual machine; hostId is "" when vCenter reports no host. */
  public record Vm(
      String id,
      String name,
      String instanceUuid,
      PowerState power,
      String hostId,
      List<Nic> nics) {
    public Vm {
      nics = List.copyOf(nics);
    }
  }

  /**
   * A network a NIC can connect to.
   *
   * @param distributed true for a distributed port group, false for a standard network
   * @param dvsId moref of the distributed switch ("" for a standard network)
   * @param key the port group key of a distributed port group ("" otherwise)
   * @param vlans the VLANs the port group tags (an id, or trunk ranges); empty: untagged or unknown
   * @param uplinkGroup whether this is the DVS's uplink port group (carries no VMs)
   */
  public record Network(
      String id,
      String name,
      boolean distributed,
      String dvsId,
      String key,
      VlanSet vlans,
      boolean uplinkGroup) {}

  /** A distributed virtual switch. */
  public record Switch(String id, String name, String uuid) {}
}
