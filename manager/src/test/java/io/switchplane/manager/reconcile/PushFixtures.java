package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.manager.model.DvsConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The one place the push tests build model records, configurations and host directories. */
public final class PushFixtures {
  public static final String DVS_ID = "dvs-1";
  public static final String PG_A = "pg-a";
  public static final String PG_B = "pg-b";

  private PushFixtures() {}

  public static String host(int i) {
    return "h" + i;
  }

  public static Dvs dvs(long generation, int hosts) {
    Dvs.Builder b =
        Dvs.newBuilder()
            .setId(DVS_ID)
            .setName("dvs1")
            .setGeneration(generation)
            .addUplinks("uplink1")
            .addUplinks("uplink2")
            .setMtu(1500);
    for (int i = 0; i < hosts; i++) {
      b.addMembers(member(host(i)));
    }
    return b.build();
  }

  public static HostMember member(String hostId) {
    return HostMember.newBuilder().setHostId(hostId).putUplinkNics("uplink1", "eth0").build();
  }

  public static PortGroup portGroup(String id, int vlan) {
    return PortGroup.newBuilder()
        .setId(id)
        .setDvsId(DVS_ID)
        .setName("name-" + id)
        .setPolicy(
            Policy.newBuilder()
                .setVlan(
                    VlanSetting.newBuilder()
                        .setValue(Vlan.newBuilder().setAccessId(vlan))
                        .setOverrideAllowed(true)))
        .build();
  }

  public static Port port(String key, String portGroupId, String hostId) {
    return Port.newBuilder()
        .setKey(key)
        .setDvsId(DVS_ID)
        .setPortGroupId(portGroupId)
        .setHostId(hostId)
        .build();
  }

  /**
   * The standard layout at generation 1: hosts h0..h(n-1); port groups pg-a (VLAN 10) and pg-b
   * (VLAN 20); every host has port "hI-a" in pg-a, even hosts also "hI-b" in pg-b.
   */
  public static DvsConfig standard(int hosts) {
    Map<String, PortGroup> groups = new LinkedHashMap<>();
    groups.put(PG_A, portGroup(PG_A, 10));
    groups.put(PG_B, portGroup(PG_B, 20));
    Map<String, Port> ports = new LinkedHashMap<>();
    for (int i = 0; i < hosts; i++) {
      ports.put(host(i) + "-a", port(host(i) + "-a", PG_A, host(i)));
      if (i % 2 == 0) {
        ports.put(host(i) + "-b", port(host(i) + "-b", PG_B, host(i)));
      }
    }
    return DvsConfig.of(dvs(1, hosts), groups, ports);
  }

  /** The next generation of config, changed by change (as a change set would). */
  public static DvsConfig next(DvsConfig config, Consumer<DvsConfig.Builder> change) {
    DvsConfig.Builder b = config.toBuilder();
    change.accept(b);
    b.dvs(b.dvs().toBuilder().setGeneration(config.generation() + 1).build());
    return b.build();
  }

  /** Sets the VLAN of a port group. */
  public static Consumer<DvsConfig.Builder> vlanOf(String portGroupId, int vlan) {
    return b ->
        b.portGroups()
            .put(
                portGroupId,
                portGroup(portGroupId, vlan).toBuilder()
                    .setName(b.portGroups().get(portGroupId).getName())
                    .build());
  }

  /** Changes a port's description (a one-port change). */
  public static Consumer<DvsConfig.Builder> touchPort(String key, String description) {
    return b ->
        b.ports().put(key, b.ports().get(key).toBuilder().setDescription(description).build());
  }

  public static PushSettings settings(int maxInFlight) {
    return new PushSettings(
        maxInFlight, Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofMillis(400));
  }

  /** A mutable host directory: host id → endpoint. */
  public static final class Directory implements HostDirectory {
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();

    public Directory put(String hostId, String endpoint) {
      hosts.put(
          hostId,
          Host.newBuilder().setId(hostId).setName("name-" + hostId).setEndpoint(endpoint).build());
      return this;
    }

    @Override
    public Optional<Host> host(String hostId) {
      return Optional.ofNullable(hosts.get(hostId));
    }
  }
}
