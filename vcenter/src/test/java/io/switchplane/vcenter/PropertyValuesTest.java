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
        .containsExactly(new PropertyValues.RawNic("Network adapter 1", "m", "", "pg", "", true));
    assertThat(PropertyValues.nics(null)).isEmpty();
  }

  @Test
  void enumsAreVcentersWords() {
    assertThat(PropertyValues.text(com.vmware.vim25.HostSystemConnectionState.notResponding))
        .isEqualTo("notResponding");
    assertThat(PropertyValues.power("poweredOn")).isEqualTo(Inventory.PowerState.POWERED_ON);
  }
}
