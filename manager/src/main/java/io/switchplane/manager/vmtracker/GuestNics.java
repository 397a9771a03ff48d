package io.switchplane.manager.vmtracker;

import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.ipam.GuestAddressPlan;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.vcenter.Inventory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The VM NICs of a vCenter's inventory as IPAM sees them: VM, MAC, the Switchplane port group (L2
 * network) its vCenter network maps to through the tracker's port-group map, and the addresses
 * VMware Tools report. Pure.
 */
public final class GuestNics {
  private GuestNics() {}

  /** Every NIC of every VM, sorted by VM name; network null when it maps to no port group. */
  public static List<GuestAddressPlan.Observed> of(
      Inventory inv, TrackerConfig config, Optional<DvsConfig> dvs) {
    List<Inventory.Vm> vms = new ArrayList<>(inv.vms().values());
    vms.sort(Comparator.comparing(Inventory.Vm::name).thenComparing(Inventory.Vm::id));
    List<GuestAddressPlan.Observed> out = new ArrayList<>();
    for (Inventory.Vm vm : vms) {
      if (vm.instanceUuid().isEmpty()) {
        continue;
      }
      for (Inventory.Nic nic : vm.nics()) {
        Inventory.Network net = inv.networks().get(nic.networkId());
        L2Network network = null;
        if (net != null && dvs.isPresent()) {
          Optional<PortGroup> pg = dvs.get().findPortGroup(config.switchplanePortGroup(net.name()));
          if (pg.isPresent()) {
            network =
                L2Network.newBuilder()
                    .setDvs(dvs.get().id())
                    .setPortGroup(pg.get().getId())
                    .build();
          }
        }
        out.add(
            new GuestAddressPlan.Observed(
                vm.instanceUuid(), vm.name(), nic.mac(), network, nic.guestIps()));
      }
    }
    return out;
  }
}
