package io.switchplane.manager.service;

import static io.switchplane.manager.ManagerFixtures.createPort;
import static io.switchplane.manager.ManagerFixtures.createPortGroup;
import static io.switchplane.manager.ManagerFixtures.deletePort;
import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.removeMember;
import static io.switchplane.manager.ManagerFixtures.updateDvs;
import static io.switchplane.manager.ManagerFixtures.updatePort;
import static io.switchplane.manager.ManagerFixtures.updatePortGroup;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.manager.ManagerFixtures;
import io.switchplane.manager.ManagerFixtures.RecordingListener;
import io.switchplane.manager.ZooKeeperStore;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.HostStore;
import io.switchplane.manager.store.StoreLayout;
import io.switchplane.manager.store.ZkTxn;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store side against a real ZooKeeper (Curator's TestingServer), one namespace per test. */
class ConfigServiceStoreTest {
  @RegisterExtension static final ZooKeeperStore zk = new ZooKeeperStore();

  private CuratorFramework client;
  private DvsStore store;
  private HostStore hosts;
  private final RecordingListener listener = new RecordingListener();
  private ConfigService leader;
  private String dvsId;

  @BeforeEach
  void setUp() throws InterruptedException {
    client = zk.client();
    store = zk.store();
    hosts = zk.hosts();
    leader = activeService(listener);
    leader.registerHost("esx1", "127.0.0.1:1");
    leader.registerHost("esx2", "127.0.0.1:2");
    dvsId = leader.createDvs(Dvs.newBuilder().setName("sw").build()).id();
    commit(
        leader,
        ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("esx1")).build());
  }

  private ConfigService activeService(RecordingListener l) {
    ConfigService s = new ConfigService(store, hosts, l, ManagerFixtures.leaderView("m1", "m1"));
    s.activate(all -> {});
    return s;
  }

  private static ConfigService.CommitResult commit(ConfigService s, ChangeOp... ops) {
    return s.commit("sw", List.of(ops), 0, "test");
  }

  private DvsConfig stored() {
    return store.load(dvsId).orElseThrow();
  }

  @Test
  void staleConcurrentWriterIsAbortedAndNothingIsHalfWritten() {
    ConfigService other =
        activeService(new RecordingListener()); // a second writer, cache at generation 2
    commit(leader, createPortGroup("web", vlan(10, false))); // generation 3

    String message =
        failure(
                ErrorCode.ABORTED,
                () ->
                    commit(
                        other,
                        createPortGroup("other", vlan(20, false)),
                        createPort("p1", "other", "esx1")))
            .getMessage();

    assertThat(message)
        .contains("DVS 'sw' changed concurrently (now at generation 3")
        .contains("re-read and retry");
    DvsConfig stored = stored();
    assertThat(stored.generation()).isEqualTo(3);
    assertThat(stored.portGroups().values()).extracting(pg -> pg.getName()).containsExactly("web");
    assertThat(stored.ports()).isEmpty();
    // The loser re-read the DVS: its retry lands on top of the winner's change.
    assertThat(commit(other, createPortGroup("other", vlan(20, false))).generation()).isEqualTo(4);
  }

  @Test
  void failingEntityWriteRollsBackTheWholeTransaction() throws Exception {
    // A port znode written behind the manager's back: the DVS version check passes, the port create
    // fails.
    client.create().forPath(StoreLayout.port(dvsId, "p1"), new byte[0]);
    failure(
        ErrorCode.ABORTED,
        () -> commit(leader, createPortGroup("web", vlan(10, false)), createPort("p1", "web", "")));

    assertThat(store.readDvs(dvsId).orElseThrow().dvs().getGeneration()).isEqualTo(2);
    assertThat(client.getChildren().forPath(StoreLayout.portGroups(dvsId))).isEmpty();
    assertThat(listener.generations()).containsExactly(1L, 2L);
  }

  @Test
  void aChangeRecordLeftAtTheNextGenerationIsReplacedByTheChangeSetsOwn() throws Exception {
    // Left by an earlier life of the DVS id: the change set creates its record without reading, is
    // refused whole, and is sent again replacing it.
    client
        .create()
        .forPath(
            StoreLayout.logEntry(dvsId, 3),
            ChangeRecord.newBuilder()
                .setDvsId(dvsId)
                .setGeneration(3)
                .setComment("old life")
                .build()
                .toByteArray());

    assertThat(commit(leader, createPortGroup("web", vlan(10, false))).generation()).isEqualTo(3);

    assertThat(stored().portGroups().values())
        .extracting(pg -> pg.getName())
        .containsExactly("web");
    assertThat(store.changeLog().get(dvsId, 3).orElseThrow().getComment()).isEqualTo("test");
    assertThat(listener.generations()).containsExactly(1L, 2L, 3L);
  }

  @Test
  void oversizeChangeSetIsRejectedWithNothingWritten() {
    commit(leader, createPortGroup("web", vlan(10, false)));
    String description = "x".repeat(100 * 1024);
    List<ChangeOp> ops = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Port p =
          Port.newBuilder()
              .setKey("p" + i)
              .setPortGroupId("web")
              .setDescription(description)
              .build();
      ops.add(ChangeOp.newBuilder().setCreatePort(p).build());
    }

    String message =
        failure(ErrorCode.INVALID_ARGUMENT, () -> leader.commit("sw", ops, 0, "")).getMessage();

    assertThat(message)
        .contains("too large for one ZooKeeper transaction")
        .contains(String.format("%,d bytes", ZkTxn.MAX_BYTES))
        .contains("split");
    assertThat(stored().generation()).isEqualTo(3);
    assertThat(stored().ports()).isEmpty();
    assertThat(leader.config("sw").generation()).isEqualTo(3);
    // Just under the limit, a real ZooKeeper takes it: the limit leaves room below jute.maxbuffer.
    assertThat(leader.commit("sw", ops.subList(0, 8), 0, "").generation()).isEqualTo(4);
    assertThat(stored().ports()).hasSize(8);
  }

  @Test
  void aChangeSetThatChangesNothingKeepsTheGenerationAndPushesNothing() {
    commit(leader, createPortGroup("web", vlan(10, false)), createPort("p1", "web", "esx1"));
    DvsConfig before = leader.config("sw");
    int pushed = listener.committed.size();

    ConfigService.CommitResult same =
        commit(
            leader,
            updatePortGroup("web", before.portGroups().values().iterator().next()),
            updatePort("p1", before.ports().get("p1")),
            updateDvs(before.dvs()));

    assertThat(same.unchanged()).isTrue();
    assertThat(same.generation()).isEqualTo(before.generation());
    assertThat(leader.config("sw").generation()).isEqualTo(before.generation());
    assertThat(stored().generation()).isEqualTo(before.generation());
    assertThat(listener.committed).hasSize(pushed);
    // A stale generation is still refused, though nothing would change.
    assertThat(
            failure(
                ErrorCode.ABORTED,
                () ->
                    leader.commit(
                        "sw", List.of(updateDvs(before.dvs())), before.generation() - 1, "")))
        .hasMessageContaining("re-read and retry");
  }

  @Test
  void aPreviewPlansAsTheCommitWouldAndStoresNothing() {
    commit(leader, createPortGroup("web", vlan(10, false)), createPort("p1", "web", "esx1"));
    DvsConfig before = leader.config("sw");
    PortGroup web = before.portGroups().values().iterator().next();
    int pushed = listener.committed.size();

    ConfigService.Preview preview =
        leader.preview(
            "sw",
            List.of(updatePortGroup("web", web.toBuilder().setPolicy(vlan(20, false)).build())),
            before.generation());

    assertThat(preview.plan().after().generation()).isEqualTo(before.generation() + 1);
    assertThat(preview.hosts()).extracting(h -> h.getHostName()).containsExactly("esx1");
    assertThat(preview.hosts().get(0).getPortsChanged()).isEqualTo(1);
    assertThat(preview.changes()).hasSize(1);
    assertThat(preview.changes().get(0).getValuesList())
        .anySatisfy(
            v -> {
              assertThat(v.getField()).isEqualTo("policy.vlan");
              assertThat(v.getBefore()).contains("access_id: 10");
              assertThat(v.getAfter()).contains("access_id: 20");
            });
    assertThat(stored().generation()).isEqualTo(before.generation());
    assertThat(leader.config("sw")).isSameAs(before);
    assertThat(listener.committed).hasSize(pushed);
    assertThat(
            failure(
                ErrorCode.NOT_FOUND,
                () -> leader.preview("sw", List.of(createPort("p9", "nope", "")), 0)))
        .hasMessageContaining("nope");
  }

  @Test
  void staleExpectedGenerationIsAborted() {
    String message =
        failure(
                ErrorCode.ABORTED,
                () -> leader.commit("sw", List.of(createPortGroup("web", vlan(10, false))), 1, ""))
            .getMessage();
    assertThat(message).contains("at generation 2, not the expected 1");
    assertThat(stored().generation()).isEqualTo(2);
    assertThat(
            leader
                .commit("sw", List.of(createPortGroup("web", vlan(10, false))), 2, "")
                .generation())
        .isEqualTo(3);
  }

  @Test
  void storedConfigurationMatchesTheLeadersCache() {
    commit(leader, createPortGroup("web", vlan(10, true)));
    List<ChangeOp> ops = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ops.add(createPort("port-" + i, "web", i % 2 == 0 ? "esx1" : ""));
    }
    leader.commit("sw", ops, 0, "");
    commit(
        leader,
        deletePort("port-7"),
        updateDvs(leader.config("sw").dvs().toBuilder().setName("sw2").build()));

    DvsConfig cached = leader.config("sw2");
    DvsConfig stored = stored();
    assertThat(stored.dvs()).isEqualTo(cached.dvs());
    assertThat(stored.portGroups()).isEqualTo(cached.portGroups());
    assertThat(stored.ports()).isEqualTo(cached.ports()).hasSize(199);
    assertThat(store.idByName("sw2")).contains(dvsId);
    assertThat(store.idByName("sw")).isEmpty();
    assertThat(listener.generations()).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void hostRegistryKeepsNamesUniqueAndMembersRegistered() {
    assertThat(
            failure(ErrorCode.ALREADY_EXISTS, () -> leader.registerHost("esx1", "127.0.0.1:9"))
                .getMessage())
        .contains("a host named 'esx1' is registered already");
    assertThat(failure(ErrorCode.FAILED_PRECONDITION, () -> leader.removeHost("esx1")).getMessage())
        .contains("host 'esx1' is a member of DVS sw");
    assertThat(leader.listHosts()).extracting(Host::getName).containsExactly("esx1", "esx2");
    assertThat(
            failure(ErrorCode.INVALID_ARGUMENT, () -> leader.registerHost("esx9", "esx9"))
                .getMessage())
        .contains("agent endpoint 'esx9' is not host:port");
    failure(ErrorCode.INVALID_ARGUMENT, () -> leader.registerHost("bad/name", "127.0.0.1:1"));

    commit(leader, removeMember("esx1"));
    leader.removeHost("esx1");
    assertThat(leader.listHosts()).extracting(Host::getName).containsExactly("esx2");
    failure(ErrorCode.NOT_FOUND, () -> leader.host("esx1"));
    // The name is free again, under a new id.
    assertThat(leader.registerHost("esx1", "127.0.0.1:3").getName()).isEqualTo("esx1");
  }

  @Test
  void dvsWithPortsCannotBeDeletedAndItsNameIsFreedAfterwards() throws Exception {
    commit(leader, createPortGroup("web", vlan(10, false)), createPort("p1", "web", "esx1"));
    assertThat(failure(ErrorCode.FAILED_PRECONDITION, () -> leader.deleteDvs("sw", 0)).getMessage())
        .contains("DVS 'sw' still has 1 port(s)");

    commit(leader, deletePort("p1"));
    DvsConfig last = leader.deleteDvs("sw", 0);

    assertThat(listener.deleted).containsExactly(last);
    assertThat(client.checkExists().forPath(StoreLayout.dvs(dvsId))).isNull();
    assertThat(leader.listDvs()).isEmpty();
    failure(ErrorCode.NOT_FOUND, () -> leader.config("sw"));
    assertThat(leader.createDvs(Dvs.newBuilder().setName("sw").build()).generation()).isEqualTo(1);
  }

  @Test
  void duplicateDvsNameIsRefusedByTheNameIndexEvenWithAStaleCache() {
    ConfigService stale = activeService(new RecordingListener()); // knows only "sw"
    leader.createDvs(Dvs.newBuilder().setName("taken").build());
    assertThat(
            failure(
                    ErrorCode.ALREADY_EXISTS,
                    () -> stale.createDvs(Dvs.newBuilder().setName("taken").build()))
                .getMessage())
        .contains("a DVS named 'taken' exists already");
    assertThat(
            failure(
                    ErrorCode.ALREADY_EXISTS,
                    () ->
                        commit(
                            stale,
                            updateDvs(
                                stale.config("sw").dvs().toBuilder().setName("taken").build())))
                .getMessage())
        .contains("'taken' exists already");
    assertThat(stored().dvs().getName()).isEqualTo("sw");
  }

  @Test
  void followerReadsFromZooKeeperAndRefusesWrites() {
    commit(leader, createPortGroup("web", vlan(10, false)));
    ConfigService follower =
        new ConfigService(
            store, hosts, new RecordingListener(), ManagerFixtures.leaderView("m2", "m1"));

    assertThat(follower.config("sw").generation()).isEqualTo(3);
    assertThat(follower.config(dvsId).portGroups()).hasSize(1);
    assertThat(follower.listDvs()).extracting(Dvs::getName).containsExactly("sw");
    assertThat(
            failure(
                    ErrorCode.UNAVAILABLE,
                    () -> commit(follower, createPortGroup("x", vlan(5, false))))
                .getMessage())
        .isEqualTo("not the leader; the leader is m1");
    failure(ErrorCode.UNAVAILABLE, () -> follower.registerHost("esx9", "127.0.0.1:9"));
  }
}
