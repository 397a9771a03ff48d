package io.switchplane.manager.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreateSnapshotRequest;
import io.switchplane.api.v1.DeleteDvsRequest;
import io.switchplane.api.v1.DiffSnapshotsRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.EntityChange;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetSnapshotRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ImportSnapshotRequest;
import io.switchplane.api.v1.ListPortGroupsRequest;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ListSnapshotsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RemoveHostRequest;
import io.switchplane.api.v1.RestoreMode;
import io.switchplane.api.v1.RestoreSnapshotRequest;
import io.switchplane.api.v1.RestoreSnapshotResponse;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.api.v1.SnapshotKind;
import io.switchplane.api.v1.SnapshotServiceGrpc;
import io.switchplane.api.v1.SnapshotServiceGrpc.SnapshotServiceBlockingStub;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.common.snapshot.SnapshotCodec;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots, checkpoints and every restore mode, through the API of a manager with its embedded
 * ZooKeeper.
 */
class SnapshotServiceTest {
  @TempDir Path dataDir;
  private SwitchplaneManager manager;
  private ManagedChannel channel;
  private ManagerServiceBlockingStub api;
  private SnapshotServiceBlockingStub snapshots;

  @BeforeEach
  void start() {
    manager =
        new SwitchplaneManager(
                ManagerConfig.local(dataDir)
                    .withSnapshots(new SnapshotPolicy(3, Duration.ofDays(1))))
            .start();
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    channel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    api = ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    snapshots =
        SnapshotServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    api.registerHost(
        RegisterHostRequest.newBuilder().setName("h1").setEndpoint("127.0.0.1:1").build());
    api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    commit(
        "sw",
        ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("h1")).build(),
        ChangeOp.newBuilder().setCreatePortGroup(group("web", 100)).build(),
        ChangeOp.newBuilder().setCreatePortGroup(group("db", 200)).build(),
        port("vm1", "web"),
        port("vm2", "db"));
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    manager.close();
  }

  @Test
  void everyGenerationIsCheckpointedAndOnlyTheNewestCheckpointsAreKept() {
    for (int vid = 101; vid <= 104; vid++) {
      commit("sw", vlan("web", vid));
    }
    long generation = dvs("sw").getGeneration();
    // The newest one is written in the background while the change set is pushed.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(checkpoints("sw"))
                    .extracting(SnapshotInfo::getGeneration)
                    .containsExactly(generation, generation - 1, generation - 2));
    List<SnapshotInfo> checkpoints = checkpoints("sw");
    assertThat(checkpoints).allMatch(s -> s.getKind() == SnapshotKind.SNAPSHOT_KIND_CHECKPOINT);
    assertThat(
            snapshots
                .listSnapshots(ListSnapshotsRequest.newBuilder().setDvs("sw").build())
                .getSnapshotsList())
        .as("checkpoints are listed only when asked")
        .isEmpty();
  }

  @Test
  void restoringOntoTheSameDvsGivesANewGenerationWithTheSnapshotsContent() {
    SnapshotInfo taken = create("sw", "before-change");
    List<PortGroup> groupsThen = groups("sw");
    List<Port> portsThen = ports("sw");
    commit(
        "sw",
        vlan("web", 999),
        ChangeOp.newBuilder().setDeletePort("vm2").build(),
        ChangeOp.newBuilder().setCreatePortGroup(group("extra", 300)).build());

    List<EntityChange> diff =
        snapshots
            .diffSnapshots(
                DiffSnapshotsRequest.newBuilder()
                    .setFrom("before-change")
                    .setDvs("sw")
                    .setCurrent(true)
                    .build())
            .getChangesList();
    assertThat(diff)
        .extracting(c -> c.getKind() + " " + c.getEntity() + " " + c.getName())
        .containsExactlyInAnyOrder(
            "KIND_CHANGED port-group web", "KIND_REMOVED port-group extra", "KIND_ADDED port vm2");
    assertThat(
            diff.stream()
                .filter(c -> c.getName().equals("web"))
                .findFirst()
                .orElseThrow()
                .getFieldsList())
        .containsExactly("policy.vlan");

    long now = dvs("sw").getGeneration();
    RestoreSnapshotResponse dry =
        restore(
            RestoreSnapshotRequest.newBuilder()
                .setSnapshot(taken.getId())
                .setMode(RestoreMode.RESTORE_MODE_SAME_DVS)
                .setDryRun(true));
    assertThat(dry.getHostsList())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.getHostName()).isEqualTo("h1");
              assertThat(h.getPortsAdded()).isEqualTo(1);
              assertThat(h.getPortsChanged()).isEqualTo(1);
            });
    assertThat(dvs("sw").getGeneration()).as("a dry run changes nothing").isEqualTo(now);

    RestoreSnapshotResponse done =
        restore(
            RestoreSnapshotRequest.newBuilder()
                .setSnapshot(taken.getId())
                .setMode(RestoreMode.RESTORE_MODE_SAME_DVS));
    assertThat(done.getGeneration()).isEqualTo(now + 1);
    assertThat(groupsThen).extracting(PortGroup::getLogicalNetworkId).doesNotContain("");
    assertThat(groups("sw")).as("logical network ids included").isEqualTo(groupsThen);
    assertThat(ports("sw")).isEqualTo(portsThen);
    assertThat(
            snapshots
                .diffSnapshots(
                    DiffSnapshotsRequest.newBuilder()
                        .setFrom(taken.getId())
                        .setCurrent(true)
                        .build())
                .getChangesList())
        .isEmpty();
  }

  @Test
  void restoringAsANewDvsWithNewIdentifiersKeepsContentUnderNewIds() {
    SnapshotInfo taken = create("sw", "");
    assertThat(taken.getName()).isEqualTo("manual-" + taken.getGeneration());
    assertStatus(
        () ->
            restore(
                RestoreSnapshotRequest.newBuilder()
                    .setSnapshot(taken.getId())
                    .setMode(RestoreMode.RESTORE_MODE_NEW_IDENTIFIERS)),
        Status.Code.INVALID_ARGUMENT,
        "new_name");

    RestoreSnapshotResponse copy =
        restore(
            RestoreSnapshotRequest.newBuilder()
                .setSnapshot(taken.getId())
                .setMode(RestoreMode.RESTORE_MODE_NEW_IDENTIFIERS)
                .setNewName("sw-copy"));
    assertThat(copy.getDvsId()).isNotEqualTo(taken.getDvsId());
    assertThat(dvs("sw-copy").getMembersList())
        .extracting(HostMember::getHostId)
        .containsExactlyElementsOf(
            dvs("sw").getMembersList().stream().map(HostMember::getHostId).toList());
    assertThat(groups("sw-copy"))
        .extracting(PortGroup::getName)
        .containsExactlyInAnyOrder("web", "db");
    assertThat(groups("sw-copy"))
        .extracting(PortGroup::getId)
        .doesNotContainAnyElementsOf(groups("sw").stream().map(PortGroup::getId).toList());
    assertThat(groups("sw-copy"))
        .as("a copy beside its original is another logical network")
        .extracting(PortGroup::getLogicalNetworkId)
        .doesNotContain("")
        .doesNotContainAnyElementsOf(
            groups("sw").stream().map(PortGroup::getLogicalNetworkId).toList());
    assertThat(ports("sw-copy")).extracting(Port::getKey).containsExactly("vm1", "vm2");
    assertThat(
            snapshots
                .diffSnapshots(
                    DiffSnapshotsRequest.newBuilder()
                        .setFrom(taken.getId())
                        .setDvs("sw-copy")
                        .setCurrent(true)
                        .build())
                .getChangesList())
        .as("same content under new ids, only the name differs")
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getEntity()).isEqualTo("dvs");
              assertThat(c.getFieldsList()).containsExactly("name");
            });
  }

  @Test
  void restoringWithTheOriginalIdentifiersNeedsTheDvsGoneAndBringsItBackAsItWas() {
    SnapshotInfo taken = create("sw", "keep");
    Dvs then = dvs("sw");
    List<PortGroup> groupsThen = groups("sw");
    List<Port> portsThen = ports("sw");
    RestoreSnapshotRequest.Builder original =
        RestoreSnapshotRequest.newBuilder()
            .setSnapshot(taken.getId())
            .setMode(RestoreMode.RESTORE_MODE_ORIGINAL_IDENTIFIERS);
    assertStatus(() -> restore(original), Status.Code.ALREADY_EXISTS, "exists");

    commit(
        "sw",
        ChangeOp.newBuilder().setDeletePort("vm1").build(),
        ChangeOp.newBuilder().setDeletePort("vm2").build());
    commit("sw", vlan("web", 101));
    long atDeletion = dvs("sw").getGeneration();
    api.deleteDvs(DeleteDvsRequest.newBuilder().setDvs("sw").build());
    restore(original);
    Dvs back = dvs("sw");
    assertThat(back.getId()).isEqualTo(then.getId());
    // h1, still a member when the DVS was deleted, got its removal at atDeletion + 1 (and keeps
    // it).
    assertThat(back.getGeneration())
        .as("continues above the removal of the deleted DVS, not the snapshot")
        .isEqualTo(atDeletion + 2)
        .isGreaterThan(then.getGeneration() + 1);
    assertThat(groups("sw")).isEqualTo(groupsThen);
    assertThat(ports("sw")).isEqualTo(portsThen);
    long g = commit("sw", vlan("web", 150));
    assertThat(g).as("the restored DVS takes change sets").isEqualTo(back.getGeneration() + 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(checkpoints("sw")).extracting(SnapshotInfo::getGeneration).contains(g));
    assertThat(checkpoints("sw")).extracting(SnapshotInfo::getName).doesNotHaveDuplicates();
  }

  @Test
  void restoringOntoAnotherDvsKeepsItsIdentityAndItsSameNamedPortGroups() {
    SnapshotInfo taken = create("sw", "template");
    api.createDvs(CreateDvsRequest.newBuilder().setName("other").build());
    commit(
        "other",
        ChangeOp.newBuilder().setCreatePortGroup(group("web", 500)).build(),
        ChangeOp.newBuilder().setCreatePortGroup(group("legacy", 600)).build());
    String otherId = dvs("other").getId();
    PortGroup web =
        groups("other").stream().filter(g -> g.getName().equals("web")).findFirst().orElseThrow();
    String webId = web.getId();

    restore(
        RestoreSnapshotRequest.newBuilder()
            .setSnapshot(taken.getId())
            .setMode(RestoreMode.RESTORE_MODE_EXISTING_DVS)
            .setTarget("other"));
    assertThat(dvs("other").getId()).isEqualTo(otherId);
    assertThat(groups("other"))
        .extracting(PortGroup::getName)
        .containsExactlyInAnyOrder("web", "db");
    assertThat(groups("other"))
        .filteredOn(g -> g.getName().equals("web"))
        .extracting(PortGroup::getId)
        .containsExactly(webId);
    assertThat(groups("other"))
        .filteredOn(g -> g.getName().equals("web"))
        .extracting(PortGroup::getLogicalNetworkId)
        .containsExactly(web.getLogicalNetworkId());
    assertThat(ports("other")).extracting(Port::getKey).containsExactly("vm1", "vm2");
  }

  @Test
  void anExportedSnapshotImportsBackAndBadFilesChangeNothing() {
    SnapshotInfo taken = create("sw", "exported");
    DvsSnapshot whole =
        snapshots
            .getSnapshot(
                GetSnapshotRequest.newBuilder().setSnapshot("exported").setDvs("sw").build())
            .getSnapshot();
    byte[] file = SnapshotCodec.toFile(whole);

    SnapshotInfo imported =
        snapshots
            .importSnapshot(
                ImportSnapshotRequest.newBuilder().setFile(ByteString.copyFrom(file)).build())
            .getSnapshot();
    assertThat(imported.getKind()).isEqualTo(SnapshotKind.SNAPSHOT_KIND_IMPORTED);
    assertThat(imported.getChecksum()).isEqualTo(taken.getChecksum());
    assertThat(imported.getId()).isNotEqualTo(taken.getId());
    assertThat(imported.getName()).startsWith("imported-");
    int stored = all().size();

    byte[] flipped = file.clone();
    flipped[flipped.length - 10] ^= 0x5a;
    assertStatus(() -> importFile(flipped), Status.Code.INVALID_ARGUMENT, "");
    assertStatus(
        () -> importFile(Arrays.copyOf(file, file.length / 2)), Status.Code.INVALID_ARGUMENT, "");
    assertStatus(
        () -> importFile("hello".getBytes()),
        Status.Code.INVALID_ARGUMENT,
        "not a Switchplane snapshot");
    DvsSnapshot lying =
        whole.toBuilder().setInfo(whole.getInfo().toBuilder().setChecksum("sha256:00")).build();
    assertStatus(
        () -> importFile(SnapshotCodec.toFile(lying)), Status.Code.INVALID_ARGUMENT, "checksum");
    DvsSnapshot future =
        whole.toBuilder().setInfo(whole.getInfo().toBuilder().setFormatVersion(2)).build();
    assertStatus(
        () -> importFile(SnapshotCodec.toFile(future)),
        Status.Code.FAILED_PRECONDITION,
        "format version 2");
    assertThat(all()).as("nothing stored by a bad import").hasSize(stored);

    // The checksum covers the content only: a file's own name is not trusted as a znode name.
    DvsSnapshot oddName =
        whole.toBuilder().setInfo(whole.getInfo().toBuilder().setName("a/b\u0001")).build();
    SnapshotInfo renamed =
        snapshots
            .importSnapshot(
                ImportSnapshotRequest.newBuilder()
                    .setFile(ByteString.copyFrom(SnapshotCodec.toFile(oddName)))
                    .build())
            .getSnapshot();
    assertThat(renamed.getName()).startsWith("imported-");
  }

  @Test
  void aSnapshotWhoseHostsAreGoneIsRefusedAndNothingChanges() {
    SnapshotInfo taken = create("sw", "with-h1");
    commit(
        "sw",
        ChangeOp.newBuilder().setDeletePort("vm1").build(),
        ChangeOp.newBuilder().setDeletePort("vm2").build(),
        ChangeOp.newBuilder().setRemoveMember("h1").build());
    api.removeHost(RemoveHostRequest.newBuilder().setHost("h1").build());
    long now = dvs("sw").getGeneration();

    assertStatus(
        () ->
            restore(
                RestoreSnapshotRequest.newBuilder()
                    .setSnapshot(taken.getId())
                    .setMode(RestoreMode.RESTORE_MODE_SAME_DVS)),
        Status.Code.FAILED_PRECONDITION,
        "is not registered");
    assertThat(dvs("sw").getGeneration()).isEqualTo(now);
    assertThat(ports("sw")).isEmpty();
  }

  private List<SnapshotInfo> checkpoints(String dvs) {
    return snapshots
        .listSnapshots(
            ListSnapshotsRequest.newBuilder().setDvs(dvs).setIncludeCheckpoints(true).build())
        .getSnapshotsList();
  }

  private void importFile(byte[] bytes) {
    snapshots.importSnapshot(
        ImportSnapshotRequest.newBuilder().setFile(ByteString.copyFrom(bytes)).build());
  }

  private List<SnapshotInfo> all() {
    return snapshots
        .listSnapshots(ListSnapshotsRequest.newBuilder().setIncludeCheckpoints(true).build())
        .getSnapshotsList();
  }

  private SnapshotInfo create(String dvs, String name) {
    return snapshots
        .createSnapshot(CreateSnapshotRequest.newBuilder().setDvs(dvs).setName(name).build())
        .getSnapshot();
  }

  private RestoreSnapshotResponse restore(RestoreSnapshotRequest.Builder r) {
    return snapshots.restoreSnapshot(r.build());
  }

  private static void assertStatus(Runnable call, Status.Code code, String text) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(text);
            });
  }

  private long commit(String dvs, ChangeOp... ops) {
    return api.commitChangeSet(
            CommitChangeSetRequest.newBuilder().setDvs(dvs).addAllOps(List.of(ops)).build())
        .getGeneration();
  }

  private Dvs dvs(String name) {
    return api.getDvs(GetDvsRequest.newBuilder().setDvs(name).build()).getDvs();
  }

  private List<PortGroup> groups(String dvs) {
    return api
        .listPortGroups(ListPortGroupsRequest.newBuilder().setDvs(dvs).build())
        .getPortGroupsList()
        .stream()
        .sorted(Comparator.comparing(PortGroup::getId))
        .toList();
  }

  private List<Port> ports(String dvs) {
    return api.listPorts(ListPortsRequest.newBuilder().setDvs(dvs).build()).getPortsList().stream()
        .sorted(Comparator.comparing(Port::getKey))
        .toList();
  }

  private static PortGroup group(String name, int vid) {
    return PortGroup.newBuilder()
        .setName(name)
        .setPolicy(
            Policy.newBuilder()
                .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(vid))))
        .build();
  }

  private static ChangeOp vlan(String group, int vid) {
    return ChangeOp.newBuilder()
        .setUpdatePortGroup(
            PortGroupUpdate.newBuilder().setPortGroup(group).setSettings(group(group, vid)))
        .build();
  }

  private static ChangeOp port(String key, String group) {
    return ChangeOp.newBuilder()
        .setCreatePort(Port.newBuilder().setKey(key).setPortGroupId(group).setHostId("h1"))
        .build();
  }
}
