package io.switchplane.vcenter;

import static io.switchplane.vcenter.VsphereData.change;
import static io.switchplane.vcenter.VsphereData.devices;
import static io.switchplane.vcenter.VsphereData.dvsNic;
import static io.switchplane.vcenter.VsphereData.enter;
import static io.switchplane.vcenter.VsphereData.leave;
import static io.switchplane.vcenter.VsphereData.modify;
import static io.switchplane.vcenter.VsphereData.mor;
import static io.switchplane.vcenter.VsphereData.morefs;
import static io.switchplane.vcenter.VsphereData.standardNic;
import static io.switchplane.vcenter.VsphereData.tags;
import static io.switchplane.vcenter.VsphereData.trunk;
import static io.switchplane.vcenter.VsphereData.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.HostSystemConnectionState;
import com.vmware.vim25.PropertyChange;
import com.vmware.vim25.PropertyChangeOp;
import com.vmware.vim25.VirtualMachinePowerState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InventoryApplierTest {
  private static final Instant T = Instant.parse("2026-12-03T10:00:00Z");

  private final InventoryApplier applier = new InventoryApplier();

  /** What a full sync (WaitForUpdatesEx with version "") brings: every object entering. */
  @BeforeEach
  void fullSync() {
    applier.apply(
        List.of(
            enter(
                "HostSystem",
                "host-1",
                change("name", "esx1"),
                change("runtime.connectionState", HostSystemConnectionState.connected),
                change("runtime.inMaintenanceMode", false)),
            enter(
                "HostSystem",
                "host-2",
                change("name", "esx2"),
                change("runtime.connectionState", HostSystemConnectionState.notResponding),
                change("runtime.inMaintenanceMode", true)),
            enter(
                "VmwareDistributedVirtualSwitch",
                "dvs-9",
                change("name", "DSwitch"),
                change("uuid", "50 2a"),
                change(
                    "config.uplinkPortgroup",
                    morefs("DistributedVirtualPortgroup", "dvportgroup-10"))),
            enter(
                "DistributedVirtualPortgroup",
                "dvportgroup-10",
                change("name", "DSwitch-DVUplinks-9"),
                change("key", "dvportgroup-10"),
                change(
                    "config.distributedVirtualSwitch",
                    mor("VmwareDistributedVirtualSwitch", "dvs-9")),
                change("config.defaultPortConfig", trunk(0, 4094))),
            enter(
                "DistributedVirtualPortgroup",
                "dvportgroup-11",
                change("name", "web"),
                change("key", "dvportgroup-11"),
                change(
                    "config.distributedVirtualSwitch",
                    mor("VmwareDistributedVirtualSwitch", "dvs-9")),
                change("config.defaultPortConfig", vlan(100))),
            enter(
                "DistributedVirtualPortgroup",
                "dvportgroup-12",
                change("name", "db"),
                change("key", "pg-key-12"),
                change(
                    "config.distributedVirtualSwitch",
                    mor("VmwareDistributedVirtualSwitch", "dvs-9")),
                change("config.defaultPortConfig", trunk(200, 202, 300, 300))),
            // A port group is a Network too: it enters the Network filter as well, with its name
            // only.
            enter("DistributedVirtualPortgroup", "dvportgroup-11", change("name", "web")),
            enter("Network", "network-7", change("name", "VM Network")),
            enter(
                "VirtualMachine",
                "vm-1",
                change("name", "web01"),
                change("config.instanceUuid", "uuid-1"),
                change("runtime.powerState", VirtualMachinePowerState.poweredOn),
                change("runtime.host", mor("HostSystem", "host-1")),
                change(
                    "config.hardware.device",
                    devices(dvsNic(4000, "00:50:56:00:00:01", "dvportgroup-11", "7", true)))),
            enter(
                "VirtualMachine",
                "vm-2",
                change("name", "db01"),
                change("config.instanceUuid", "uuid-2"),
                change("runtime.powerState", VirtualMachinePowerState.poweredOff),
                change("runtime.host", mor("HostSystem", "host-2")),
                change(
                    "config.hardware.device",
                    devices(
                        dvsNic(4000, "00:50:56:00:00:02", "pg-key-12", "", false),
                        standardNic(4001, "00:50:56:00:00:03", "network-7")))),
            enter("Datastore", "datastore-1", change("name", "ignored")),
            enter("EventHistoryCollector", "session[1]x", change("latestPage", null))));
  }

  private Inventory inventory() {
    return applier.inventory("7", T);
  }

  @Test
  void fullSyncBuildsHostsVmsNicsPortGroupsAndSwitches() {
    Inventory inv = inventory();
    assertThat(inv.version()).isEqualTo("7");
    assertThat(inv.syncedAt()).isEqualTo(T);
    assertThat(inv.hosts()).containsOnlyKeys("host-1", "host-2");
    assertThat(inv.hosts().get("host-1"))
        .isEqualTo(new Inventory.Host("host-1", "esx1", "connected", false));
    assertThat(inv.hosts().get("host-2"))
        .isEqualTo(new Inventory.Host("host-2", "esx2", "notResponding", true));
    assertThat(inv.switches())
        .containsOnly(
            org.assertj.core.api.Assertions.entry(
                "dvs-9", new Inventory.Switch("dvs-9", "DSwitch", "50 2a")));
    assertThat(inv.networks().get("dvportgroup-10"))
        .isEqualTo(
            new Inventory.Network(
                "dvportgroup-10",
                "DSwitch-DVUplinks-9",
                true,
                "dvs-9",
                "dvportgroup-10",
                VlanSet.ofRange(1, 4094),
                true));
    assertThat(inv.networks().get("dvportgroup-11"))
        .isEqualTo(
            new Inventory.Network(
                "dvportgroup-11", "web", true, "dvs-9", "dvportgroup-11", VlanSet.of(100), false));
    assertThat(inv.networks().get("dvportgroup-12").vlans())
        .isEqualTo(VlanSet.parse("200-202,300"));
    assertThat(inv.networks().get("network-7"))
        .isEqualTo(
            new Inventory.Network("network-7", "VM Network", false, "", "", VlanSet.EMPTY, false));
    assertThat(inv.vms().get("vm-1"))
        .isEqualTo(
            new Inventory.Vm(
                "vm-1",
                "web01",
                "uuid-1",
                Inventory.PowerState.POWERED_ON,
                "host-1",
                List.of(
                    new Inventory.Nic(
                        "Network adapter 1", "00:50:56:00:00:01", "dvportgroup-11", "7", true))));
    // A DVS backing names its port group by key: resolved to the port group's moref.
    assertThat(inv.vms().get("vm-2").nics())
        .containsExactly(
            new Inventory.Nic(
                "Network adapter 1", "00:50:56:00:00:02", "dvportgroup-12", "", false),
            new Inventory.Nic("ethernet-4001", "00:50:56:00:00:03", "network-7", "", true));
    assertThat(inv.networks()).doesNotContainKey("datastore-1");
  }

  @Test
  void guestAddressesLandOnTheCardWithTheirDeviceKeyElseTheirMac() {
    com.vmware.vim25.GuestNicInfo byKey = new com.vmware.vim25.GuestNicInfo();
    byKey.setMacAddress("00:50:56:ff:ff:ff"); // a MAC the guest changed: the key decides
    byKey.setDeviceConfigId(4000);
    byKey.setIpAddress(new String[] {"10.0.0.5"});
    com.vmware.vim25.GuestNicInfo byMac = new com.vmware.vim25.GuestNicInfo();
    byMac.setMacAddress("00:50:56:00:00:03");
    byMac.setDeviceConfigId(-1);
    byMac.setIpAddress(new String[] {"2001:db8::7"});
    com.vmware.vim25.ArrayOfGuestNicInfo guest = new com.vmware.vim25.ArrayOfGuestNicInfo();
    guest.setGuestNicInfo(new com.vmware.vim25.GuestNicInfo[] {byKey, byMac});
    applier.apply(List.of(modify("VirtualMachine", "vm-2", change("guest.net", guest))));
    assertThat(inventory().vms().get("vm-2").nics())
        .extracting(Inventory.Nic::guestIps)
        .containsExactly(List.of("10.0.0.5"), List.of("2001:db8::7"));
    // The tools stop reporting (VM powered off): the addresses go with them.
    applier.apply(List.of(modify("VirtualMachine", "vm-2", change("guest.net", null))));
    assertThat(inventory().vms().get("vm-2").nics())
        .extracting(Inventory.Nic::guestIps)
        .containsExactly(List.of(), List.of());
  }

  @Test
  void partialPropertyChangesModifyOnlyThatProperty() {
    assertThat(
            applier.apply(
                List.of(
                    modify(
                        "VirtualMachine",
                        "vm-1",
                        change("runtime.powerState", VirtualMachinePowerState.poweredOff)))))
        .containsExactly("vm-1");
    Inventory.Vm vm = inventory().vms().get("vm-1");
    assertThat(vm.power()).isEqualTo(Inventory.PowerState.POWERED_OFF);
    assertThat(vm.name()).isEqualTo("web01");
    assertThat(vm.nics()).hasSize(1);

    applier.apply(
        List.of(
            modify("VirtualMachine", "vm-1", change("runtime.host", mor("HostSystem", "host-2")))));
    assertThat(inventory().vms().get("vm-1").hostId()).isEqualTo("host-2");

    applier.apply(
        List.of(modify("VirtualMachine", "vm-1", change("runtime.powerState", "suspended"))));
    assertThat(inventory().vms().get("vm-1").power()).isEqualTo(Inventory.PowerState.SUSPENDED);
  }

  @Test
  void nicMovedToAnotherPortGroup() {
    applier.apply(
        List.of(
            modify(
                "VirtualMachine",
                "vm-1",
                change(
                    "config.hardware.device",
                    devices(dvsNic(4000, "00:50:56:00:00:01", "pg-key-12", "3", true))))));
    assertThat(inventory().vms().get("vm-1").nics())
        .singleElement()
        .satisfies(n -> assertThat(n.networkId()).isEqualTo("dvportgroup-12"));
  }

  @Test
  void portGroupVlanChanged() {
    applier.apply(
        List.of(
            modify(
                "DistributedVirtualPortgroup",
                "dvportgroup-11",
                change("config.defaultPortConfig", vlan(200)))));
    assertThat(inventory().networks().get("dvportgroup-11").vlans()).isEqualTo(VlanSet.of(200));
    // VLAN 0 is untagged: no VLAN to carry.
    applier.apply(
        List.of(
            modify(
                "DistributedVirtualPortgroup",
                "dvportgroup-11",
                change("config.defaultPortConfig", vlan(0)))));
    assertThat(inventory().networks().get("dvportgroup-11").vlans()).isEqualTo(VlanSet.EMPTY);
  }

  @Test
  void objectsLeave() {
    assertThat(
            applier.apply(
                List.of(leave("VirtualMachine", "vm-2"), leave("VirtualMachine", "vm-99"))))
        .containsExactly("vm-2");
    assertThat(inventory().vms()).containsOnlyKeys("vm-1");
    applier.apply(
        List.of(
            leave("HostSystem", "host-2"), leave("DistributedVirtualPortgroup", "dvportgroup-12")));
    assertThat(inventory().hosts()).containsOnlyKeys("host-1");
    assertThat(inventory().networks()).doesNotContainKey("dvportgroup-12");
  }

  @Test
  void newVmEntersAfterTheFullSync() {
    applier.apply(
        List.of(
            enter(
                "VirtualMachine",
                "vm-3",
                change("name", "new"),
                change("runtime.powerState", VirtualMachinePowerState.poweredOn),
                change("runtime.host", mor("HostSystem", "host-1")))));
    Inventory.Vm vm = inventory().vms().get("vm-3");
    assertThat(vm.name()).isEqualTo("new");
    assertThat(vm.instanceUuid()).isEmpty();
    assertThat(vm.nics()).isEmpty();
  }

  @Test
  void removedPropertyIsForgotten() {
    PropertyChange gone = change("runtime.host", null);
    gone.setOp(PropertyChangeOp.remove);
    applier.apply(List.of(modify("VirtualMachine", "vm-1", gone)));
    assertThat(inventory().vms().get("vm-1").hostId()).isEmpty();
  }

  @Test
  void uplinkGroupByTagOrSwitchConfig() {
    applier.apply(
        List.of(
            enter(
                "DistributedVirtualPortgroup",
                "dvportgroup-20",
                change("name", "uplinks"),
                change("tag", tags(PropertyValues.UPLINK_TAG)))));
    assertThat(inventory().networks().get("dvportgroup-20").uplinkGroup()).isTrue();

    applier.apply(
        List.of(
            enter("DistributedVirtualPortgroup", "dvportgroup-21", change("name", "trunk-up"))));
    assertThat(inventory().networks().get("dvportgroup-21").uplinkGroup()).isFalse();
    applier.apply(
        List.of(
            modify(
                "VmwareDistributedVirtualSwitch",
                "dvs-9",
                change(
                    "config.uplinkPortgroup",
                    morefs("DistributedVirtualPortgroup", "dvportgroup-21")))));
    assertThat(inventory().networks().get("dvportgroup-21").uplinkGroup()).isTrue();
  }

  @Test
  void resetForgetsEverything() {
    applier.reset();
    assertThat(inventory().vms()).isEmpty();
    assertThat(inventory().hosts()).isEmpty();
  }
}
