package io.switchplane.manager.vmtracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.AddVcenterRequest;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.GetVcenterStatusRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ListVcentersRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RemoveVcenterRequest;
import io.switchplane.api.v1.ShowVmTrackerRequest;
import io.switchplane.api.v1.ShowVmTrackerResponse;
import io.switchplane.api.v1.TrackerProblem;
import io.switchplane.api.v1.TrackerSettings;
import io.switchplane.api.v1.UpdateVcenterRequest;
import io.switchplane.api.v1.Vcenter;
import io.switchplane.api.v1.VcenterServiceGrpc;
import io.switchplane.api.v1.VcenterServiceGrpc.VcenterServiceBlockingStub;
import io.switchplane.api.v1.VcenterStatus;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.VmTrackerRow;
import io.switchplane.api.v1.VmTrackerServiceGrpc;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VM tracker through the manager's API, with a scripted inventory in place of a vCenter: what
 * the uplink ports carry after each kind of vCenter change, the bad inputs, and where the password
 * goes. The hosts are not reachable here; CI's VmTrackerIT runs real agents.
 */
class VmTrackerServiceTest {
  private static final String PASSWORD = "s3cret-Passw0rd";

  @TempDir Path dataDir;
  private final ScriptedSource.Factory sources = new ScriptedSource.Factory();
  private SwitchplaneManager manager;
  private ManagedChannel channel;
  private ManagerServiceBlockingStub api;
  private VcenterServiceBlockingStub vcenters;

  @BeforeEach
  void start() {
    manager = new SwitchplaneManager(ManagerConfig.local(dataDir), sources).start();
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    channel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    api = ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    vcenters = VcenterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    for (String h : List.of("esx1", "esx2", "esx3")) {
      api.registerHost(
          RegisterHostRequest.newBuilder().setName(h).setEndpoint("127.0.0.1:1").build());
    }
    api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    api.commitChangeSet(
        CommitChangeSetRequest.newBuilder()
            .setDvs("sw")
            .addOps(ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("esx1")))
            .addOps(ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("esx2")))
            .addOps(ChangeOp.newBuilder().setCreatePortGroup(group("web", 100)))
            .addOps(ChangeOp.newBuilder().setCreatePortGroup(group("db", 200)))
            .addOps(ChangeOp.newBuilder().setCreatePortGroup(group("app", 300)))
            .build());
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    manager.close();
  }

  @Test
  void uplinksCarryExactlyWhatPoweredOnVmsNeedPlusPinnedVlans() {
    add("vc1", "10");
    ScriptedSource.Builder vc =
        new ScriptedSource.Builder()
            .host("esx1")
            .host("esx2")
            .portGroup("web", 100)
            .portGroup("db", 200)
            .portGroup("app", 300)
            .on("web1", "esx1", "web")
            .on("db1", "esx1", "db")
            .off("app1", "esx2", "app")
            .on("web2", "esx2", "web");
    source().set(vc.build());
    awaitUplinks(Map.of("esx1", "10,100,200", "esx2", "10,100"));
    assertThat(ports())
        .filteredOn(p -> p.getDescription().startsWith("vmtracker vc1:"))
        .extracting(Port::getKey)
        .containsExactlyInAnyOrder("esx1:uplink1", "esx1:uplink2", "esx2:uplink1", "esx2:uplink2");

    source().set(vc.off("db1", "esx1", "db").build());
    awaitUplinks(Map.of("esx1", "10,100", "esx2", "10,100"));

    source().set(vc.on("app1", "esx2", "app").build());
    awaitUplinks(Map.of("esx1", "10,100", "esx2", "10,100,300"));

    // web2 moves to esx1: VLAN 100 stays on esx2 only while another running VM there needs it.
    source().set(vc.on("web2", "esx1", "web").build());
    awaitUplinks(Map.of("esx1", "10,100", "esx2", "10,300"));

    // The NIC of app1 moves to the web port group.
    source().set(vc.on("app1", "esx2", "web").build());
    awaitUplinks(Map.of("esx1", "10,100", "esx2", "10,100"));

    // The web port group's VLAN changes in vCenter.
    source().set(vc.portGroup("web", 150).build());
    awaitUplinks(Map.of("esx1", "10,150", "esx2", "10,150"));

    source().set(vc.removeVm("app1").on("db2", "esx2", "db").build());
    awaitUplinks(Map.of("esx1", "10,150", "esx2", "10,200"));

    // A host leaves vCenter: its uplink ports are the tracker's, so they go.
    source().set(vc.removeVm("db2").removeHost("esx2").build());
    awaitUplinks(Map.of("esx1", "10,150"));
  }

  @Test
  void aHostWithNothingToCarryGetsItsUplinksBlockedAndMappingProblemsAreReported() {
    add("vc1", "");
    source()
        .set(
            new ScriptedSource.Builder()
                .host("esx1")
                .host("esx3")
                .host("esx9")
                .portGroup("web", 100)
                .portGroup("orphan", 700)
                .off("web1", "esx1", "web")
                .on("lost", "esx9", "web")
                .on("o1", "esx1", "orphan")
                .build());
    awaitUplinks(Map.of("esx1", "none"));
    assertThat(ports())
        .filteredOn(p -> p.getKey().startsWith("esx1:"))
        .allMatch(p -> p.getPolicy().getBlocked().getValue());

    VcenterStatus status = status("vc1");
    assertThat(status.getProblemsList())
        .extracting(TrackerProblem::getKind, TrackerProblem::getObject)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("UNMANAGED_HOST", "esx9"),
            org.assertj.core.groups.Tuple.tuple("HOST_NOT_MEMBER", "esx3"),
            org.assertj.core.groups.Tuple.tuple("NO_PORT_GROUP", "orphan"));
    ShowVmTrackerResponse show = show("", "");
    assertThat(show.getRowsList())
        .extracting(VmTrackerRow::getVm, VmTrackerRow::getNote)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("lost", "host 'esx9' is not tracked"),
            org.assertj.core.groups.Tuple.tuple("o1", "no Switchplane port group"),
            org.assertj.core.groups.Tuple.tuple("web1", "powered off"));
    assertThat(show.getRowsList()).noneMatch(VmTrackerRow::getProvisioned);
    assertThat(show("esx9", "").getRowsList())
        .extracting(VmTrackerRow::getVm)
        .containsExactly("lost");
    assertThat(show("", "uuid-web1").getRowsList())
        .extracting(VmTrackerRow::getVcenterPortGroup)
        .containsExactly("web");
  }

  @Test
  void switchplaneSideChangesAreProvisionedAtOnceNotAtTheSafetyTick() {
    // Every await below is far shorter than the tracker's 60 s safety tick: only a nudge from the
    // commit or the host registry can make them pass.
    assertThat(VmTracker.SAFETY_TICK).isGreaterThanOrEqualTo(Duration.ofSeconds(60));
    add("vc1", "");
    source()
        .set(
            new ScriptedSource.Builder()
                .host("esx1")
                .host("esx3")
                .host("esx9")
                .portGroup("web", 100)
                .portGroup("late", 400)
                .on("web1", "esx1", "web")
                .on("late1", "esx1", "late")
                .on("w3", "esx3", "web")
                .on("w9", "esx9", "web")
                .build());
    awaitUplinks(Map.of("esx1", "100"));

    api.commitChangeSet(
        CommitChangeSetRequest.newBuilder()
            .setDvs("sw")
            .addOps(ChangeOp.newBuilder().setCreatePortGroup(group("late", 400)))
            .build());
    awaitUplinks(Map.of("esx1", "100,400"));

    api.commitChangeSet(
        CommitChangeSetRequest.newBuilder()
            .setDvs("sw")
            .addOps(ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("esx3")))
            .build());
    awaitUplinks(Map.of("esx1", "100,400", "esx3", "100"));

    assertThat(status("vc1").getProblemsList())
        .extracting(TrackerProblem::getKind, TrackerProblem::getObject)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("UNMANAGED_HOST", "esx9"));
    api.registerHost(
        RegisterHostRequest.newBuilder().setName("esx9").setEndpoint("127.0.0.1:1").build());
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(status("vc1").getProblemsList())
                    .extracting(TrackerProblem::getKind, TrackerProblem::getObject)
                    .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("HOST_NOT_MEMBER", "esx9")));
  }

  @Test
  void badInputIsRefusedWithAPreciseStatusAndStoresNothing() {
    refused(
        vc("vc1").setUrl("ftp://vc/sdk"),
        PASSWORD,
        Status.Code.INVALID_ARGUMENT,
        "must be http(s)");
    refused(
        vc("vc1").setUrl(""), PASSWORD, Status.Code.INVALID_ARGUMENT, "vcenter.url is required");
    refused(
        vc("bad name"),
        PASSWORD,
        Status.Code.INVALID_ARGUMENT,
        "vCenter name 'bad name' is not allowed");
    refused(vc("vc1").setUser(""), PASSWORD, Status.Code.INVALID_ARGUMENT, "user is empty");
    refused(vc("vc1"), "", Status.Code.INVALID_ARGUMENT, "password is empty");
    refused(
        vc("vc1").setTracker(TrackerSettings.newBuilder().setDvs("nope")),
        PASSWORD,
        Status.Code.NOT_FOUND,
        "nope");
    refused(
        vc("vc1").setTracker(TrackerSettings.newBuilder().setDvs("sw").setPinnedVlans("10,5000")),
        PASSWORD,
        Status.Code.INVALID_ARGUMENT,
        "VLAN 5000 is not within 1-4094");
    refused(
        vc("vc1").setInsecure(true).setTrustStore("/etc/hostname"),
        PASSWORD,
        Status.Code.INVALID_ARGUMENT,
        "not both");
    refused(
        vc("vc1").setTrustStore(dataDir.resolve("missing.p12").toString()),
        PASSWORD,
        Status.Code.FAILED_PRECONDITION,
        "not readable");
    refused(
        vc("vc1").setTracker(TrackerSettings.newBuilder().setDvs("sw").setConfirmTimeoutMs(500)),
        PASSWORD,
        Status.Code.INVALID_ARGUMENT,
        "confirm timeout 500 ms");
    assertThat(vcenters.listVcenters(ListVcentersRequest.getDefaultInstance()).getVcentersList())
        .isEmpty();
    assertThat(sources.opened).isEmpty();

    add("vc1", "");
    refused(vc("vc1"), PASSWORD, Status.Code.ALREADY_EXISTS, "registered already");
    refused(
        vc("vc2"),
        PASSWORD,
        Status.Code.FAILED_PRECONDITION,
        "already provisioned by the tracker of vCenter 'vc1'");
    assertThatThrownBy(
            () -> vcenters.removeVcenter(RemoveVcenterRequest.newBuilder().setName("vc9").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> status("vc9"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void thePasswordIsSealedInZooKeeperAndReachesOnlyTheSyncAndRemoveStopsIt() throws Exception {
    add("vc1", "");
    assertThat(source().endpoint.password()).isEqualTo(PASSWORD);
    assertThat(source().endpoint.url().toString()).isEqualTo("https://vc.example.com/sdk");
    assertThat(source().endpoint.toString()).doesNotContain(PASSWORD);
    assertThat(source().started).isTrue();
    try (CuratorFramework zk =
        CuratorFrameworkFactory.newClient(manager.zookeeper(), new RetryOneTime(100))) {
      zk.start();
      List<byte[]> all = new ArrayList<>();
      collect(zk, "/switchplane", all);
      assertThat(all)
          .isNotEmpty()
          .noneMatch(d -> new String(d, StandardCharsets.ISO_8859_1).contains(PASSWORD));
      assertThat(zk.getData().forPath("/switchplane/vcenters/vc1")).isNotEmpty();
    }
    assertThat(vcenters.listVcenters(ListVcentersRequest.getDefaultInstance()).toString())
        .doesNotContain(PASSWORD);

    vcenters.removeVcenter(RemoveVcenterRequest.newBuilder().setName("vc1").build());
    assertThat(source().closed).isTrue();
    assertThat(vcenters.listVcenters(ListVcentersRequest.getDefaultInstance()).getVcentersList())
        .isEmpty();
  }

  @Test
  void updateChangesAVcenterInPlaceRestartsItsTrackerAndKeepsThePasswordUnlessGiven() {
    add("vc1", "10");
    ScriptedSource first = source();
    ScriptedSource.Builder inventory =
        new ScriptedSource.Builder().host("esx1").portGroup("web", 100).on("web1", "esx1", "web");
    first.set(inventory.build());
    awaitUplinks(Map.of("esx1", "10,100"));
    Vcenter listed = listed("vc1");
    assertThat(listed.getRevision()).isEqualTo(1);

    Vcenter changed =
        vcenters
            .updateVcenter(
                UpdateVcenterRequest.newBuilder()
                    .setExpectedRevision(1)
                    .setVcenter(
                        listed.toBuilder()
                            .setUrl("https://vc2.example.com:8443")
                            .setTracker(listed.getTracker().toBuilder().setPinnedVlans("10,20")))
                    .build())
            .getVcenter();
    assertThat(changed.getRevision()).isEqualTo(2);
    assertThat(changed.getUrl()).isEqualTo("https://vc2.example.com:8443/sdk");
    assertThat(listed("vc1")).isEqualTo(changed);
    assertThat(first.closed).isTrue();
    ScriptedSource second = sources.last();
    assertThat(second).isNotSameAs(first);
    assertThat(second.started).isTrue();
    assertThat(second.endpoint.url().toString()).isEqualTo("https://vc2.example.com:8443/sdk");
    assertThat(second.endpoint.password())
        .as("no new password: the stored one is kept")
        .isEqualTo(PASSWORD);
    assertThat(ports())
        .as("the uplinks keep what they carry until the restarted tracker has synced")
        .filteredOn(p -> p.getKey().startsWith("esx1:"))
        .allMatch(
            p ->
                TrackerPlanner.vlansOf(p.getPolicy().getVlan().getValue())
                    .toString()
                    .equals("10,100"));
    second.set(inventory.build());
    awaitUplinks(Map.of("esx1", "10,20,100"));

    // Someone else's change in between: refused, and nothing changes.
    refusedUpdate(
        listed.toBuilder().setUser("other"), "", 1, Status.Code.ABORTED, "at revision 2, not 1");
    refusedUpdate(
        changed.toBuilder().setInsecure(true).setTrustStore("/etc/hostname"),
        "",
        2,
        Status.Code.INVALID_ARGUMENT,
        "not both");
    refusedUpdate(
        changed.toBuilder().setTracker(TrackerSettings.newBuilder().setDvs("nope")),
        "",
        2,
        Status.Code.NOT_FOUND,
        "nope");
    refusedUpdate(vc("vc9"), "", 0, Status.Code.NOT_FOUND, "vCenter 'vc9' not found");
    assertThat(listed("vc1")).isEqualTo(changed);
    assertThat(sources.opened).hasSize(2);

    vcenters.updateVcenter(
        UpdateVcenterRequest.newBuilder().setVcenter(changed).setPassword("n3w-Passw0rd").build());
    assertThat(sources.last().endpoint.password()).isEqualTo("n3w-Passw0rd");
    assertThat(listed("vc1").getRevision()).isEqualTo(3);
  }

  private Vcenter listed(String name) {
    return vcenters
        .listVcenters(ListVcentersRequest.getDefaultInstance())
        .getVcentersList()
        .stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private void refusedUpdate(
      Vcenter.Builder vc, String password, int revision, Status.Code code, String message) {
    assertThatThrownBy(
            () ->
                vcenters.updateVcenter(
                    UpdateVcenterRequest.newBuilder()
                        .setVcenter(vc)
                        .setPassword(password)
                        .setExpectedRevision(revision)
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  private static void collect(CuratorFramework zk, String path, List<byte[]> out) throws Exception {
    byte[] d = zk.getData().forPath(path);
    if (d != null) {
      out.add(d);
    }
    for (String child : zk.getChildren().forPath(path)) {
      collect(zk, path + "/" + child, out);
    }
  }

  private void awaitUplinks(Map<String, String> expected) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              Map<String, String> carried = new TreeMap<>();
              for (Port p : ports()) {
                if (!p.getDescription().startsWith("vmtracker ")) {
                  continue;
                }
                String host = p.getKey().substring(0, p.getKey().indexOf(':'));
                String vlans =
                    p.getPolicy().getBlocked().getValue()
                        ? "none"
                        : TrackerPlanner.vlansOf(p.getPolicy().getVlan().getValue()).toString();
                String before = carried.put(host, vlans);
                assertThat(before).as("both uplinks of %s carry the same", host).isIn(null, vlans);
              }
              assertThat(carried).isEqualTo(new TreeMap<>(expected));
            });
  }

  private List<Port> ports() {
    return api.listPorts(ListPortsRequest.newBuilder().setDvs("sw").build()).getPortsList();
  }

  private ScriptedSource source() {
    await().atMost(Duration.ofSeconds(10)).until(() -> !sources.opened.isEmpty());
    return sources.last();
  }

  private void add(String name, String pinned) {
    vcenters.addVcenter(
        AddVcenterRequest.newBuilder()
            .setVcenter(
                vc(name)
                    .setTracker(TrackerSettings.newBuilder().setDvs("sw").setPinnedVlans(pinned)))
            .setPassword(PASSWORD)
            .build());
  }

  private void refused(Vcenter.Builder vc, String password, Status.Code code, String message) {
    assertThatThrownBy(
            () ->
                vcenters.addVcenter(
                    AddVcenterRequest.newBuilder().setVcenter(vc).setPassword(password).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  private VcenterStatus status(String name) {
    return vcenters
        .getVcenterStatus(GetVcenterStatusRequest.newBuilder().setName(name).build())
        .getStatuses(0);
  }

  private ShowVmTrackerResponse show(String host, String vm) {
    return VmTrackerServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .showVmTracker(ShowVmTrackerRequest.newBuilder().setHost(host).setVm(vm).build());
  }

  private static Vcenter.Builder vc(String name) {
    return Vcenter.newBuilder()
        .setName(name)
        .setUrl("https://vc.example.com")
        .setUser("administrator@vsphere.local")
        .setTracker(TrackerSettings.newBuilder().setDvs("sw"));
  }

  private static PortGroup group(String name, int vlan) {
    return PortGroup.newBuilder()
        .setName(name)
        .setPolicy(
            Policy.newBuilder()
                .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(vlan))))
        .build();
  }
}
