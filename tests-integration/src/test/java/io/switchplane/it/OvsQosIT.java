package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.backend.OvsPolicing;
import io.switchplane.agent.backend.OvsPolicing.Policing;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.it.net.OvsInstance;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The qos module with the ovs backend: a port's effective rate-kbps becomes OVS ingress policing. */
class OvsQosIT {
  private static final String DVS_ID = "5e1f0c2a-0000-4000-8000-00000000q05";
  private static final String HOST = "esx-qos";
  private static final String QOS = "io.switchplane.qos";

  @TempDir Path dir;
  private OvsInstance ovs;
  private HostAgent agent;

  @BeforeEach
  void setUp() throws Exception {
    ovs = OvsInstance.start(dir.resolve("ovs"), "sp-qos-" + ProcessHandle.current().pid());
    agent = new HostAgent(AgentConfig.of(0, dir.resolve("agent")).withHost("", HOST).withBackend("ovs", ovs.db()));
    agent.start();
  }

  @AfterEach
  void tearDown() {
    if (agent != null) {
      agent.close();
    }
    if (ovs != null) {
      ovs.close();
    }
  }

  private static PropertyEntry rate(String kbps) {
    return PropertyEntry.newBuilder().setNamespace(QOS).setKey("rate-kbps").setValue(ByteString.copyFromUtf8(kbps))
        .build();
  }

  /** Port group web with rate groupRate (none when null), ports w1 (inherits) and w2 (its own 50). */
  private static HostSwitchState state(long generation, String groupRate) {
    Dvs dvs = Dvs.newBuilder().setId(DVS_ID).setName("qos-dvs").setGeneration(generation).addUplinks("uplink1")
        .setMtu(1500).addMembers(HostMember.newBuilder().setHostId(HOST)).build();
    PortGroup.Builder web = PortGroup.newBuilder().setId("web").setDvsId(DVS_ID).setName("web");
    if (groupRate != null) {
      web.addProperties(rate(groupRate));
    }
    return HostSwitchState.newBuilder().setHostId(HOST).setDvs(dvs).setMember(true).addPortGroups(web)
        .addPorts(Port.newBuilder().setKey("w1").setDvsId(DVS_ID).setPortGroupId("web").setHostId(HOST))
        .addPorts(Port.newBuilder().setKey("w2").setDvsId(DVS_ID).setPortGroupId("web").setHostId(HOST)
            .addProperties(rate("50")))
        .build();
  }

  private void applyConfirmed(HostSwitchState s) {
    ApplyResponse r = agent.pipeline().apply(s);
    agent.pipeline().confirm(DVS_ID, r.getAppliedGeneration(), r.getNonce());
  }

  @Test
  void theGroupRateIsInheritedTheOverrideWinsAndRemovingTheGroupRateTurnsPolicingOff() throws Exception {
    OvsPolicing read = new OvsPolicing(ovs.db());
    applyConfirmed(state(1, "500"));
    assertThat(read.read(DVS_ID, "w1")).isEqualTo(new Policing(500, 50));
    assertThat(read.read(DVS_ID, "w2")).isEqualTo(new Policing(50, 5));

    applyConfirmed(state(2, null));
    assertThat(read.read(DVS_ID, "w1")).isEqualTo(new Policing(0, 0));
    assertThat(read.read(DVS_ID, "w2")).isEqualTo(new Policing(50, 5));
  }
}
