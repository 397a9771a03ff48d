package io.switchplane.manager.vmtracker;

import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.Vlan;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.vmtracker.TrackerView.HostNeed;
import io.switchplane.manager.vmtracker.TrackerView.Kind;
import io.switchplane.manager.vmtracker.TrackerView.NicRow;
import io.switchplane.manager.vmtracker.TrackerView.Problem;
import io.switchplane.vcenter.Inventory;
import io.switchplane.vcenter.VlanSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Works out, from a vCenter's inventory and the Switchplane configuration, what every tracked
 * host's uplinks must carry. Pure: no I/O, the same input gives the same view.
 *
 * <p>A NIC needs the VLANs of its vCenter port group (an id or trunk ranges). A standard network or
 * a port group vCenter reports as untagged takes the VLAN of its Switchplane counterpart. A NIC
 * counts toward its host only when the VM is powered on, the NIC connected, the host a member of
 * the DVS and the network has a counterpart; anything else is shown with a note, and whatever
 * cannot be mapped is a {@link Problem}, never a failure.
 */
public final class TrackerPlanner {
  private TrackerPlanner() {}

  /**
   * dvs is empty when the configured DVS does not exist (every host is then untracked); hostByName
   * finds a Switchplane host.
   */
  public static TrackerView plan(
      Inventory inv,
      TrackerConfig config,
      Optional<DvsConfig> dvs,
      Function<String, Optional<Host>> hostByName) {
    Map<String, Problem> problems = new LinkedHashMap<>();
    if (dvs.isEmpty()) {
      problem(
          problems,
          Kind.NO_DVS,
          config.dvs(),
          "DVS '"
              + config.dvs()
              + "' does not exist in Switchplane; create "
              + "it or point the tracker at another with 'vcenter add --dvs'");
    }
    Map<String, Host> tracked = new HashMap<>();
    Map<String, HostNeed> needs = new HashMap<>();
    for (Inventory.Host vh : inv.hosts().values()) {
      String spName = config.switchplaneHost(vh.name());
      Host h = hostByName.apply(spName).orElse(null);
      if (h == null) {
        problem(
            problems,
            Kind.UNMANAGED_HOST,
            vh.name(),
            "vCenter host '"
                + vh.name()
                + "' has no Switchplane host '"
                + spName
                + "'; register it, or map it with --map-host "
                + vh.name()
                + "=NAME");
      } else if (dvs.isPresent() && dvs.get().member(h.getId()).isEmpty()) {
        problem(
            problems,
            Kind.HOST_NOT_MEMBER,
            vh.name(),
            "host '"
                + spName
                + "' is not a member of DVS '"
                + dvs.get().dvs().getName()
                + "'; add it with 'switchplane dvs add-host'");
      } else if (dvs.isPresent()) {
        tracked.put(vh.id(), h);
        needs.put(h.getId(), new HostNeed(h.getId(), h.getName(), vh.name(), config.pinned(), 0));
      }
    }
    List<NicRow> rows = new ArrayList<>();
    List<Inventory.Vm> vms = new ArrayList<>(inv.vms().values());
    vms.sort(Comparator.comparing(Inventory.Vm::name).thenComparing(Inventory.Vm::id));
    for (Inventory.Vm vm : vms) {
      Inventory.Host vh = inv.hosts().get(vm.hostId());
      Host h = tracked.get(vm.hostId());
      for (Inventory.Nic nic : vm.nics()) {
        NicRow row = row(inv, config, dvs, problems, vm, vh, h, nic);
        rows.add(row);
        if (row.counts()) {
          HostNeed n = needs.get(h.getId());
          needs.put(
              h.getId(),
              new HostNeed(
                  n.hostId(),
                  n.hostName(),
                  n.vcenterHost(),
                  n.needed().union(row.vlans()),
                  n.vmsOn()));
        }
      }
      if (h != null && vm.power() == Inventory.PowerState.POWERED_ON) {
        HostNeed n = needs.get(h.getId());
        needs.put(
            h.getId(),
            new HostNeed(n.hostId(), n.hostName(), n.vcenterHost(), n.needed(), n.vmsOn() + 1));
      }
    }
    return new TrackerView(rows, needs, new ArrayList<>(problems.values()));
  }

  private static NicRow row(
      Inventory inv,
      TrackerConfig config,
      Optional<DvsConfig> dvs,
      Map<String, Problem> problems,
      Inventory.Vm vm,
      Inventory.Host vh,
      Host h,
      Inventory.Nic nic) {
    String vcHost = vh == null ? "" : vh.name();
    Inventory.Network net = inv.networks().get(nic.networkId());
    String vcNet = net == null ? "" : net.name();
    Optional<PortGroup> pg =
        net == null || dvs.isEmpty()
            ? Optional.empty()
            : dvs.get().findPortGroup(config.switchplanePortGroup(net.name()));
    VlanSet vlans = net == null ? VlanSet.EMPTY : net.vlans();
    if (pg.isPresent()) {
      VlanSet ours = vlansOf(pg.get());
      if (vlans.isEmpty()) {
        vlans = ours;
      } else if (!ours.isEmpty() && !ours.equals(vlans)) {
        problem(
            problems,
            Kind.VLAN_MISMATCH,
            net.name(),
            "port group '"
                + net.name()
                + "' tags VLAN "
                + vlans
                + " in vCenter but '"
                + pg.get().getName()
                + "' has VLAN "
                + ours
                + " in Switchplane; the uplinks carry "
                + "vCenter's");
      }
    } else if (net != null && dvs.isPresent()) {
      problem(
          problems,
          Kind.NO_PORT_GROUP,
          net.name(),
          "vCenter port group '"
              + net.name()
              + "' has no port group '"
              + config.switchplanePortGroup(net.name())
              + "' in DVS '"
              + dvs.get().dvs().getName()
              + "'; create it, or map "
              + "it with --map-port-group "
              + net.name()
              + "=NAME");
    }
    String note = "";
    if (h == null) {
      note = vh == null ? "no host in vCenter" : "host '" + vh.name() + "' is not tracked";
    } else if (vm.power() != Inventory.PowerState.POWERED_ON) {
      note = vm.power() == Inventory.PowerState.SUSPENDED ? "suspended" : "powered off";
    } else if (!nic.connected()) {
      note = "NIC disconnected";
    } else if (net == null) {
      note = "no network";
    } else if (pg.isEmpty()) {
      note = "no Switchplane port group";
    } else if (vlans.isEmpty()) {
      note = "untagged";
    }
    return new NicRow(
        vm,
        nic,
        vcHost,
        h == null ? "" : h.getId(),
        h == null ? "" : h.getName(),
        vcNet,
        pg.map(PortGroup::getName).orElse(""),
        vlans,
        note.isEmpty(),
        note);
  }

  /** The VLANs a Switchplane port group's own policy tags (empty: untagged or inherited). */
  static VlanSet vlansOf(PortGroup pg) {
    if (!pg.getPolicy().hasVlan()) {
      return VlanSet.EMPTY;
    }
    return vlansOf(pg.getPolicy().getVlan().getValue());
  }

  /** The VLANs a VLAN setting carries: its access id or trunk ranges (empty: untagged). */
  public static VlanSet vlansOf(Vlan v) {
    return switch (v.getModeCase()) {
      case ACCESS_ID -> VlanSet.of((int) v.getAccessId());
      case TRUNK ->
          VlanSet.ofRanges(
              v.getTrunk().getRangesList().stream()
                  .map(r -> new VlanSet.Range((int) r.getFirst(), (int) r.getLast()))
                  .toList());
      default -> VlanSet.EMPTY;
    };
  }

  private static void problem(
      Map<String, Problem> problems, Kind kind, String object, String message) {
    problems.putIfAbsent(kind + "/" + object, new Problem(kind, object, message));
  }
}
