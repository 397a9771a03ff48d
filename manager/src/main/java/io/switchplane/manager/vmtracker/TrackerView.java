package io.switchplane.manager.vmtracker;

import io.switchplane.vcenter.Inventory;
import io.switchplane.vcenter.VlanSet;
import java.util.List;
import java.util.Map;

/**
 * What one vCenter's inventory means for the Switchplane DVS it provisions, at one moment: the NICs
 * with their VLANs, what each tracked host's uplinks need, and the mapping problems. Built by
 * {@link TrackerPlanner}; an immutable value.
 *
 * @param rows one per VM NIC, in VM name order
 * @param hosts the tracked hosts (DVS members with a vCenter counterpart) by Switchplane host id
 * @param problems mapping problems, reported and never fatal
 */
public record TrackerView(List<NicRow> rows, Map<String, HostNeed> hosts, List<Problem> problems) {
  public static final TrackerView EMPTY = new TrackerView(List.of(), Map.of(), List.of());

  public TrackerView {
    rows = List.copyOf(rows);
    hosts = Map.copyOf(hosts);
    problems = List.copyOf(problems);
  }

  /**
   * A VM NIC as the tracker sees it.
   *
   * @param hostId the Switchplane host it runs on, "" when unmanaged
   * @param portGroup the Switchplane counterpart of its network, "" when none
   * @param vlans what the NIC needs
   * @param counts whether it counts toward its host's need (powered on, connected, mapped)
   * @param note why it does not count, when it does not
   */
  public record NicRow(
      Inventory.Vm vm,
      Inventory.Nic nic,
      String vcenterHost,
      String hostId,
      String hostName,
      String vcenterPortGroup,
      String portGroup,
      VlanSet vlans,
      boolean counts,
      String note) {}

  /**
   * What one tracked host's uplinks must carry.
   *
   * @param needed the powered-on VMs' VLANs plus the pinned ones
   * @param vmsOn powered-on VMs on the host
   */
  public record HostNeed(
      String hostId, String hostName, String vcenterHost, VlanSet needed, int vmsOn) {}

  /** Problem kinds, as {@code vcenter status} prints them. */
  public enum Kind {
    UNMANAGED_HOST,
    HOST_NOT_MEMBER,
    NO_PORT_GROUP,
    VLAN_MISMATCH,
    NO_DVS
  }

  /** A mapping problem. */
  public record Problem(Kind kind, String object, String message) {}
}
