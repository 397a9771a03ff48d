package io.switchplane.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.PortUpdate;
import io.switchplane.api.v1.Teaming;
import io.switchplane.api.v1.TeamingSetting;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.VlanTrunk;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.changeset.HostLookup;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.CommitListener;
import io.switchplane.manager.reconcile.CommittedChange;
import io.switchplane.manager.reconcile.PushIntent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Test data and assertions shared by the manager's store-side tests. */
public final class ManagerFixtures {
  public static final Host H1 =
      Host.newBuilder().setId("host-1").setName("esx1").setEndpoint("127.0.0.1:1").build();
  public static final Host H2 =
      Host.newBuilder().setId("host-2").setName("esx2").setEndpoint("127.0.0.1:1").build();
  public static final Host H3 =
      Host.newBuilder().setId("host-3").setName("esx3").setEndpoint("127.0.0.1:1").build();

  private static final AtomicInteger ZK_NAMESPACES = new AtomicInteger();

  private ManagerFixtures() {}

  /**
   * A connected client of zk in a namespace of its own, so that each test starts from an empty
   * tree.
   */
  public static org.apache.curator.framework.CuratorFramework connect(
      org.apache.curator.test.TestingServer zk) throws InterruptedException {
    org.apache.curator.framework.CuratorFramework client =
        org.apache.curator.framework.CuratorFrameworkFactory.builder()
            .connectString(zk.getConnectString())
            .retryPolicy(new org.apache.curator.retry.RetryOneTime(100))
            .namespace("test" + ZK_NAMESPACES.incrementAndGet())
            .build();
    client.start();
    assertThat(client.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return client;
  }

  /** Looks up H1-H3 by id or name. */
  public static HostLookup hosts() {
    List<Host> all = List.of(H1, H2, H3);
    return ref ->
        all.stream().filter(h -> h.getId().equals(ref) || h.getName().equals(ref)).findFirst();
  }

  /** Predictable port group ids: pg-1, pg-2, ... */
  public static Supplier<String> ids() {
    AtomicInteger n = new AtomicInteger();
    return () -> "pg-" + n.incrementAndGet();
  }

  /**
   * DVS "dvs1" at generation 5, uplinks uplink1/uplink2, members H1 and H2; port group "web" (id
   * pg-web, VLAN 100 overridable, teaming on uplink2) and "db" (id pg-db, VLAN 200, not
   * overridable); port "p1" of web on H1 and "p2" of db, unplaced.
   */
  public static DvsConfig sample() {
    Dvs dvs =
        Dvs.newBuilder()
            .setId("dvs-1")
            .setName("dvs1")
            .setGeneration(5)
            .addUplinks("uplink1")
            .addUplinks("uplink2")
            .setMtu(1500)
            .addMembers(member(H1))
            .addMembers(member(H2))
            .build();
    Map<String, PortGroup> groups = new LinkedHashMap<>();
    groups.put(
        "pg-web",
        PortGroup.newBuilder()
            .setId("pg-web")
            .setDvsId("dvs-1")
            .setName("web")
            .setPolicy(vlan(100, true).toBuilder().setTeaming(teaming("uplink2")))
            .build());
    groups.put(
        "pg-db",
        PortGroup.newBuilder()
            .setId("pg-db")
            .setDvsId("dvs-1")
            .setName("db")
            .setPolicy(vlan(200, false))
            .build());
    Map<String, Port> ports = new LinkedHashMap<>();
    ports.put(
        "p1",
        Port.newBuilder()
            .setKey("p1")
            .setDvsId("dvs-1")
            .setPortGroupId("pg-web")
            .setHostId(H1.getId())
            .build());
    ports.put(
        "p2", Port.newBuilder().setKey("p2").setDvsId("dvs-1").setPortGroupId("pg-db").build());
    return DvsConfig.of(dvs, groups, ports);
  }

  public static HostMember member(Host h) {
    return HostMember.newBuilder().setHostId(h.getId()).putUplinkNics("uplink1", "eth0").build();
  }

  public static Policy vlan(int id, boolean overridable) {
    return Policy.newBuilder()
        .setVlan(
            VlanSetting.newBuilder()
                .setValue(Vlan.newBuilder().setAccessId(id))
                .setOverrideAllowed(overridable))
        .build();
  }

  /** A trunk policy from pairs of (first, last). */
  public static Policy trunk(int... firstLast) {
    VlanTrunk.Builder t = VlanTrunk.newBuilder();
    for (int i = 0; i + 1 < firstLast.length; i += 2) {
      t.addRanges(VlanRange.newBuilder().setFirst(firstLast[i]).setLast(firstLast[i + 1]));
    }
    return Policy.newBuilder()
        .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setTrunk(t)))
        .build();
  }

  public static Policy mtu(int value) {
    return Policy.newBuilder().setMtu(MtuSetting.newBuilder().setValue(value)).build();
  }

  public static TeamingSetting teaming(String... active) {
    return TeamingSetting.newBuilder()
        .setValue(Teaming.newBuilder().addAllActiveUplinks(List.of(active)))
        .setOverrideAllowed(true)
        .build();
  }

  public static PortGroup portGroup(String name, Policy policy) {
    return PortGroup.newBuilder().setName(name).setPolicy(policy).build();
  }

  public static Port port(String key, String portGroup, String host) {
    return Port.newBuilder().setKey(key).setPortGroupId(portGroup).setHostId(host).build();
  }

  public static ChangeOp createPortGroup(String name, Policy policy) {
    return ChangeOp.newBuilder().setCreatePortGroup(portGroup(name, policy)).build();
  }

  public static ChangeOp updatePortGroup(String ref, PortGroup settings) {
    return ChangeOp.newBuilder()
        .setUpdatePortGroup(PortGroupUpdate.newBuilder().setPortGroup(ref).setSettings(settings))
        .build();
  }

  public static ChangeOp deletePortGroup(String ref) {
    return ChangeOp.newBuilder().setDeletePortGroup(ref).build();
  }

  public static ChangeOp createPort(String key, String portGroup, String host) {
    return ChangeOp.newBuilder().setCreatePort(port(key, portGroup, host)).build();
  }

  public static ChangeOp updatePort(String key, Port settings) {
    return ChangeOp.newBuilder()
        .setUpdatePort(PortUpdate.newBuilder().setKey(key).setSettings(settings))
        .build();
  }

  public static ChangeOp deletePort(String key) {
    return ChangeOp.newBuilder().setDeletePort(key).build();
  }

  public static ChangeOp addMember(Host h) {
    return ChangeOp.newBuilder().setAddMember(member(h)).build();
  }

  public static ChangeOp removeMember(String ref) {
    return ChangeOp.newBuilder().setRemoveMember(ref).build();
  }

  public static ChangeOp updateDvs(Dvs settings) {
    return ChangeOp.newBuilder().setUpdateDvs(settings).build();
  }

  /** What a configuration holds, to show later that it did not change. */
  public record Snapshot(Dvs dvs, Map<String, PortGroup> portGroups, Map<String, Port> ports) {
    public static Snapshot of(DvsConfig c) {
      return new Snapshot(c.dvs(), Map.copyOf(c.portGroups()), Map.copyOf(c.ports()));
    }

    public void assertSame(DvsConfig c) {
      assertThat(Snapshot.of(c)).isEqualTo(this);
    }
  }

  /** The SwitchplaneException thrown by call, asserting its code. */
  public static SwitchplaneException failure(ErrorCode code, ThrowingCallable call) {
    SwitchplaneException e = catchThrowableOfType(SwitchplaneException.class, call);
    assertThat(e).as("expected %s", code).isNotNull();
    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
    return e;
  }

  /** The status of the StatusRuntimeException thrown by call, asserting its code. */
  public static Status status(Status.Code code, ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("expected %s", code).isNotNull();
    assertThat(e.getStatus().getCode()).as(e.getStatus().getDescription()).isEqualTo(code);
    return e.getStatus();
  }

  /** Records what a commit listener is told. */
  public static final class RecordingListener implements CommitListener {
    public final List<DvsConfig> committed = new CopyOnWriteArrayList<>();
    public final List<DvsConfig> deleted = new CopyOnWriteArrayList<>();

    @Override
    public void committed(CommittedChange change, PushIntent intent) {
      committed.add(change.after());
    }

    @Override
    public void decided(
        String dvsId,
        long generation,
        java.util.Collection<String> hostIds,
        boolean commit,
        String why) {
      // Atomic change sets are exercised against real agents elsewhere.
    }

    @Override
    public void deleted(DvsConfig last) {
      deleted.add(last);
    }

    public List<Long> generations() {
      List<Long> out = new ArrayList<>();
      committed.forEach(c -> out.add(c.generation()));
      return out;
    }
  }

  /** A ConfigService leader view for tests: this manager leads as "self". */
  public static io.switchplane.manager.service.ConfigService.LeaderView leaderView(
      String self, String leader) {
    return new io.switchplane.manager.service.ConfigService.LeaderView() {
      @Override
      public String selfId() {
        return self;
      }

      @Override
      public String leaderId() {
        return leader;
      }
    };
  }
}
