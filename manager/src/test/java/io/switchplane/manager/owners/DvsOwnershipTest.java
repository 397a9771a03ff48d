package io.switchplane.manager.owners;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.store.OwnerStore;
import io.switchplane.manager.store.StoreLayout;
import io.switchplane.manager.store.ZkTxn;
import io.switchplane.rpc.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three managers' ownership on one real (in-process) ZooKeeper. */
class DvsOwnershipTest {
  private static final int DVSES = 12;

  /** Who holds each DVS now, as the listeners were told; a second holder is a violation. */
  private final Map<String, String> holders = new ConcurrentHashMap<>();

  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private TestingServer zk;
  private CuratorFramework admin;

  private final class Member implements AutoCloseable {
    final String id;
    final CuratorFramework client;
    final Metrics metrics = new Metrics();
    final ManagerRegistry registry;
    final OwnerStore store;
    final DvsOwnership ownership;

    Member(String id) {
      this.id = id;
      client =
          CuratorFrameworkFactory.newClient(
              zk.getConnectString(), 4000, 2000, new RetryOneTime(100));
      client.start();
      registry = new ManagerRegistry(client, id, id + "-endpoint");
      store = new OwnerStore(client);
      ownership =
          new DvsOwnership(
              client,
              registry,
              store,
              new DvsOwnership.Listener() {
                @Override
                public void gained(String dvsId, long epoch) {
                  String before = holders.putIfAbsent(dvsId, id);
                  if (before != null) {
                    violations.add(dvsId + " gained by " + id + " while held by " + before);
                  }
                }

                @Override
                public void lost(String dvsId) {
                  holders.remove(dvsId, id);
                }
              },
              metrics);
      store.ensureLayout();
      store.start(ownership::trigger);
      registry.start(ownership::trigger);
      ownership.start();
    }

    @Override
    public void close() {
      ownership.close();
      registry.close();
      store.close();
      client.close();
    }
  }

  @BeforeEach
  void zooKeeper() throws Exception {
    zk = new TestingServer(true);
    admin = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
    admin.start();
    for (int i = 0; i < DVSES; i++) {
      admin.create().creatingParentsIfNeeded().forPath(StoreLayout.dvs("dvs-" + i), new byte[0]);
    }
  }

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    admin.close();
    zk.close();
  }

  private Member member(String id) {
    Member m = new Member(id);
    open.add(m);
    return m;
  }

  private void awaitSpread(List<Member> members) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(holders).hasSize(DVSES);
              for (Member m : members) {
                assertThat(m.ownership.held()).hasSize(DVSES / members.size());
              }
            });
  }

  @Test
  void threeManagersSpreadTheDvsesAndAJoinerTakesItsShare() {
    Member a = member("m-a");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.ownership.held().size() == DVSES);
    Member b = member("m-b");
    Member c = member("m-c");
    awaitSpread(List.of(a, b, c));
    assertThat(violations).isEmpty();
    assertThat(a.metrics.total("switchplane_manager_owned_dvs")).isEqualTo(4);
    assertThat(a.metrics.total("switchplane_manager_ownership_changes_total"))
        .isGreaterThanOrEqualTo(DVSES + 8);
    // Every held epoch is the record's: fencing checks will pass for the holder only.
    for (Member m : List.of(a, b, c)) {
      m.ownership
          .held()
          .forEach((dvs, epoch) -> assertThat(admin_record(dvs).epoch()).isEqualTo(epoch));
    }
  }

  @Test
  void aLeavingManagerHandsOverAtOnceAndTheOthersTakeEverything() {
    Member a = member("m-a");
    Member b = member("m-b");
    Member c = member("m-c");
    awaitSpread(List.of(a, b, c));
    Set<String> bHeld = b.ownership.held().keySet();
    long start = System.nanoTime();
    b.close();
    open.remove(b);
    awaitSpread(List.of(a, c));
    // Handed over, not waited out: well under the 4 s session timeout.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(violations).isEmpty();
    bHeld.forEach(d -> assertThat(holders.get(d)).isIn("m-a", "m-c"));
  }

  @Test
  void aStaleOwnersZooKeeperWriteIsRefusedWithATypedReason() throws Exception {
    Member a = member("m-a");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.ownership.held().size() == DVSES);
    long epoch = a.ownership.epoch("dvs-0").orElseThrow();
    Member b = member("m-b");
    awaitSpread(List.of(a, b));
    String moved =
        IntStream.range(0, DVSES)
            .mapToObj(i -> "dvs-" + i)
            .filter(b.ownership::owns)
            .findFirst()
            .orElseThrow();
    long oldEpoch = moved.equals("dvs-0") ? epoch : epoch; // a held every DVS at its first epoch
    ZkTxn txn = new ZkTxn();
    OwnerStore.fence(txn, moved, oldEpoch);
    txn.set(StoreLayout.dvs(moved), new byte[] {1}, -1);
    SwitchplaneException refused =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            () -> txn.commit(a.client, "writing", r -> OwnerStore.explain(r, moved)),
            SwitchplaneException.class);
    assertThat(refused.reason()).contains(ErrorReason.NOT_DVS_OWNER);
    assertThat(admin.getData().forPath(StoreLayout.dvs(moved))).isEmpty();
    // The owner's write at its epoch goes through.
    ZkTxn owners = new ZkTxn();
    OwnerStore.fence(owners, moved, b.ownership.epoch(moved).orElseThrow());
    owners.set(StoreLayout.dvs(moved), new byte[] {2}, -1);
    owners.commit(b.client, "writing", r -> OwnerStore.explain(r, moved));
    assertThat(admin.getData().forPath(StoreLayout.dvs(moved))).containsExactly(2);
  }

  @Test
  void aManagerCutFromZooKeeperStopsBeforeItsSessionExpiresAndTheOthersTakeOver() throws Exception {
    Member a = member("m-a");
    Member b = member("m-b");
    awaitSpread(List.of(a, b));
    Set<String> aHeld = Set.copyOf(a.ownership.held().keySet());
    // Cut a's connection for good: its session expires on the server after 4 s.
    a.client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    await().atMost(Duration.ofSeconds(20)).until(() -> a.ownership.held().isEmpty());
    aHeld.forEach(d -> assertThat(a.ownership.epoch(d)).isEmpty());
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(holders).hasSize(DVSES));
    assertThat(violations).isEmpty();
  }

  private OwnerStore.Owner admin_record(String dvs) {
    return new OwnerStore(admin).read(dvs);
  }
}
