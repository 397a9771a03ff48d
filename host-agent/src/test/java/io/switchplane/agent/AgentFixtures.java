package io.switchplane.agent;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;

/** Model records for the agent tests: one DVS with two port groups (A and B) on one host. */
public final class AgentFixtures {
  public static final String DVS_ID = "dvs-1";
  public static final String HOST = "host-1";
  public static final String PG_A = "pg-a";
  public static final String PG_B = "pg-b";

  /** Ports of PG_A. */
  public static final String[] A_PORTS = {"a1", "a2", "a3"};

  /** Ports of PG_B. */
  public static final String[] B_PORTS = {"b1", "b2"};

  private AgentFixtures() {}

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

  public static PortGroup portGroup(String id, int vlan) {
    Policy policy =
        Policy.newBuilder()
            .setVlan(
                VlanSetting.newBuilder()
                    .setValue(Vlan.newBuilder().setAccessId(vlan))
                    .setOverrideAllowed(true))
            .build();
    return PortGroup.newBuilder()
        .setId(id)
        .setDvsId(DVS_ID)
        .setName("name-" + id)
        .setPolicy(policy)
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

  /** An empty member state at generation. */
  public static HostSwitchState.Builder state(long generation) {
    return HostSwitchState.newBuilder().setHostId(HOST).setDvs(dvs(generation)).setMember(true);
  }

  /** The standard state: PG_A in vlanA with A_PORTS, PG_B in vlanB with B_PORTS. */
  public static HostSwitchState standard(long generation, int vlanA, int vlanB) {
    HostSwitchState.Builder b =
        state(generation)
            .addPortGroups(portGroup(PG_A, vlanA))
            .addPortGroups(portGroup(PG_B, vlanB));
    for (String key : A_PORTS) {
      b.addPorts(port(key, PG_A));
    }
    for (String key : B_PORTS) {
      b.addPorts(port(key, PG_B));
    }
    return b.build();
  }

  /** The state that removes the switch from the host. */
  public static HostSwitchState removed(long generation) {
    return HostSwitchState.newBuilder()
        .setHostId(HOST)
        .setDvs(dvs(generation))
        .setMember(false)
        .build();
  }
}
