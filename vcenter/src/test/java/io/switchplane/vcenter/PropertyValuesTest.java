package io.switchplane.vcenter;

import static io.switchplane.vcenter.VsphereData.dvsNic;
import static io.switchplane.vcenter.VsphereData.trunk;
import static io.switchplane.vcenter.VsphereData.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.VMwareDVSPortSetting;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VmwareDistributedVirtualSwitchPvlanSpec;
import org.junit.jupiter.api.Test;

class PropertyValuesTest {
  @Test
  void vlansOfAPortGroup() {
    assertThat(PropertyValues.vlans(vlan(100))).isEqualTo(VlanSet.of(100));
    assertThat(PropertyValues.vlans(vlan(0))).isEqualTo(VlanSet.EMPTY);
    assertThat(PropertyValues.vlans(vlan(4095))).isEqualTo(VlanSet.EMPTY);
    assertThat(PropertyValues.vlans(trunk(0, 4094))).isEqualTo(VlanSet.ofRange(1, 4094));
    assertThat(PropertyValues.vlans(trunk(10, 12, 20, 20))).isEqualTo(VlanSet.parse("10-12,20"));
    VMwareDVSPortSetting pvlan = new VMwareDVSPortSetting();
    pvlan.setVlan(new VmwareDistributedVirtualSwitchPvlanSpec());
    assertThat(PropertyValues.vlans(pvlan)).isEqualTo(VlanSet.EMPTY);
    assertThat(PropertyValues.vlans(null)).isEqualTo(VlanSet.EMPTY);
  }

  @Test
  void nicsFromAPlainDeviceArrayToo() {
    VirtualDevice[] devices = {dvsNic(4000, "m", "pg", null, null)};
    assertThat(PropertyValues.nics(devices))
        .containsExactly(
            new PropertyValues.RawNic("Network adapter 1", "m", "", "pg", "", true, 4000));
    assertThat(PropertyValues.nics(null)).isEmpty();
  }

  @Test
  void guestNicsMergeIpConfigAndThePlainListOnce() {
    com.vmware.vim25.GuestNicInfo withKey = new com.vmware.vim25.GuestNicInfo();
    withKey.setMacAddress("00:50:56:00:00:01");
    withKey.setDeviceConfigId(4000);
    withKey.setIpAddress(new String[] {"10.0.0.5", "2001:db8::5"});
    com.vmware.vim25.NetIpConfigInfo config = new com.vmware.vim25.NetIpConfigInfo();
    com.vmware.vim25.NetIpConfigInfoIpAddress a = new com.vmware.vim25.NetIpConfigInfoIpAddress();
    a.setIpAddress("10.0.0.5");
    a.setPrefixLength(24);
    com.vmware.vim25.NetIpConfigInfoIpAddress b = new com.vmware.vim25.NetIpConfigInfoIpAddress();
    b.setIpAddress("10.0.0.6");
    config.setIpAddress(new com.vmware.vim25.NetIpConfigInfoIpAddress[] {a, b});
    withKey.setIpConfig(config);
    com.vmware.vim25.GuestNicInfo noKey = new com.vmware.vim25.GuestNicInfo();
    noKey.setMacAddress("00:50:56:00:00:02");
    noKey.setDeviceConfigId(-1);
    com.vmware.vim25.ArrayOfGuestNicInfo all = new com.vmware.vim25.ArrayOfGuestNicInfo();
    all.setGuestNicInfo(new com.vmware.vim25.GuestNicInfo[] {withKey, noKey});
    assertThat(PropertyValues.guestNics(all))
        .containsExactly(
            new PropertyValues.GuestNic(
                "00:50:56:00:00:01",
                4000,
                java.util.List.of("10.0.0.5", "10.0.0.6", "2001:db8::5")),
            new PropertyValues.GuestNic("00:50:56:00:00:02", -1, java.util.List.of()));
    assertThat(PropertyValues.guestNics(null)).isEmpty();
  }

  @Test
  void enumsAreVcentersWords() {
    assertThat(PropertyValues.text(com.vmware.vim25.HostSystemConnectionState.notResponding))
        .isEqualTo("notResponding");
    assertThat(PropertyValues.power("poweredOn")).isEqualTo(Inventory.PowerState.POWERED_ON);
  }
}
