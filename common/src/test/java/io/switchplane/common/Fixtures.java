package io.switchplane.common;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;

/** Small builders for model records used across the common tests. */
public final class Fixtures {
  public static final String DVS_ID = "dvs-1";
  public static final String HOST = "host-1";

  private Fixtures() {}

  public static Dvs dvs(long generation) {
    return Dvs.newBuilder()
        .setId(DVS_ID)
        .setName("dvs1")
        .setGeneration(generation)
        .addUplinks("uplink1")
        .addUplinks("uplink2")
        .setMtu(1500)
        .addMembers(HostMember.newBuilder().setHostId(HOST))
        .build();
  }

  public static Policy vlanPolicy(int vlan, boolean overrideAllowed) {
    return Policy.newBuilder()
        .setVlan(
            VlanSetting.newBuilder()
                .setValue(Vlan.newBuilder().setAccessId(vlan))
                .setOverrideAllowed(overrideAllowed))
        .build();
  }

  public static PortGroup portGroup(String id, int vlan) {
    return PortGroup.newBuilder()
        .setId(id)
        .setDvsId(DVS_ID)
        .setName("pg-" + id)
        .setPolicy(vlanPolicy(vlan, true))
        .build();
  }

  public static Port port(String key, String portGroupId) {
    return Port.newBuilder()
        .setKey(key)
        .setDvsId(DVS_ID)
        .setPortGroupId(portGroupId)
        .setHostId(HOST)
        .build();
  }

  public static HostSwitchState.Builder state(long generation) {
    return HostSwitchState.newBuilder().setHostId(HOST).setDvs(dvs(generation)).setMember(true);
  }

  /** A state of generation 1 with port groups a and b and n ports p00000..., a quarter in a. */
  public static HostSwitchState withPorts(int n) {
    HostSwitchState.Builder b =
        state(1).addPortGroups(portGroup("a", 10)).addPortGroups(portGroup("b", 20));
    for (int i = 0; i < n; i++) {
      b.addPorts(port(String.format("p%05d", i), i % 4 == 0 ? "a" : "b"));
    }
    return b.build();
  }
}
