package io.switchplane.manager.service;

import static io.switchplane.manager.ManagerFixtures.createPort;
import static io.switchplane.manager.ManagerFixtures.createPortGroup;
import static io.switchplane.manager.ManagerFixtures.deletePort;
import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.ManagerFixtures;
import io.switchplane.manager.ManagerFixtures.RecordingListener;
import io.switchplane.manager.ZooKeeperStore;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.OwnerStore;
import io.switchplane.manager.store.WriteFence;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leadership per DVS on a real ZooKeeper: a manager that still holds a DVS's configuration after
 * its ownership went (its ZooKeeper connection suspended, {@link ConfigService#lost} not yet run:
 * it waits for writes in progress) while another owner writes the DVS.
 */
class ConfigServiceOwnershipTest {
  @RegisterExtension static final ZooKeeperStore zk = new ZooKeeperStore();

  /** What the stale owner's ownership answers: its epoch while true, nothing once false. */
  private final AtomicBoolean owns = new AtomicBoolean(true);

  private ConfigService admin;
  private ConfigService owner;
  private DvsStore ownerStore;
  private String dvsId;

  @BeforeEach
  void setUp() {
    admin = unfencedLeader("m0");
    admin.registerHost("esx1", "127.0.0.1:1");
    dvsId = admin.createDvs(Dvs.newBuilder().setName("sw").build()).id();
    commit(
        admin,
        ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("esx1")).build(),
        createPortGroup("web", vlan(10, false)),
        createPort("p1", "web", "esx1"));

    OwnerStore owners = new OwnerStore(zk.client());
    owners.ensureLayout();
    long epoch = owners.claim(dvsId, "m1", OwnerStore.Owner.NONE).orElseThrow();
    ownerStore =
        new DvsStore(
            zk.client(),
            WriteFence.owner(id -> owns.get() ? OptionalLong.of(epoch) : OptionalLong.empty()));
    owner =
        new ConfigService(
            ownerStore, zk.hosts(), new RecordingListener(), ManagerFixtures.leaderView("m1", ""));
    owner.ownDvses(
        new ConfigService.OwnerRefusal() {
          @Override
          public SwitchplaneException notOwner(String id, String name) {
            return SwitchplaneException.unavailable("no owner of %s", name)
                .because(ErrorReason.NOT_DVS_OWNER);
          }

          @Override
          public boolean awaitOwned(String id) {
            return false;
          }
        });
    owner.gained(dvsId, config -> {});
  }

  /** A single leader writing every DVS without a fence (loaded now). */
  private static ConfigService unfencedLeader(String id) {
    ConfigService s =
        new ConfigService(
            zk.store(), zk.hosts(), new RecordingListener(), ManagerFixtures.leaderView(id, id));
    s.activate(all -> {});
    return s;
  }

  private static ConfigService.CommitResult commit(ConfigService s, ChangeOp... ops) {
    return s.commit("sw", List.of(ops), 0, "test");
  }

  @Test
  void anOwnerWritesTheDvsItHolds() {
    long before = zk.store().load(dvsId).orElseThrow().generation();
    assertThat(commit(owner, createPort("p2", "web", "esx1")).generation()).isEqualTo(before + 1);
    assertThat(zk.store().load(dvsId).orElseThrow().ports()).containsKeys("p1", "p2");
  }

  @Test
  void aManagerWhoseOwnershipWentRefusesAsItsFenceWouldNotAsItsStaleCopySays() {
    // Its connection suspended: the fence refuses its writes, its copy is still held.
    owns.set(false);
    // The next owner (here, a writer without a fence) creates p2, which the stale copy lacks.
    ConfigService next = unfencedLeader("m2");
    long generation = commit(next, createPort("p2", "web", "esx1")).generation();

    // Planned on the stale copy this was NOT_FOUND (p2 missing): a wrong answer the client would
    // take as final. It must be the fence's refusal, so the client asks the owner.
    SwitchplaneException deleting =
        failure(ErrorCode.UNAVAILABLE, () -> commit(owner, deletePort("p2")));
    assertThat(deleting.reason()).contains(ErrorReason.NOT_DVS_OWNER);
    // Any change set, and a preview: nothing is planned on the stale copy.
    SwitchplaneException other =
        failure(
            ErrorCode.UNAVAILABLE,
            () -> commit(owner, deletePort("p1"), createPort("p1", "web", "esx1")));
    assertThat(other.reason()).contains(ErrorReason.NOT_DVS_OWNER);
    assertThat(
            failure(ErrorCode.UNAVAILABLE, () -> owner.preview("sw", List.of(deletePort("p2")), 0))
                .reason())
        .contains(ErrorReason.NOT_DVS_OWNER);

    assertThat(zk.store().load(dvsId).orElseThrow().generation()).isEqualTo(generation);
    assertThat(zk.store().load(dvsId).orElseThrow().ports()).containsKeys("p1", "p2");
  }
}
