package io.switchplane.manager.owners;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.switchplane.api.v1.AtomicTxnRecord;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.OwnerStore;
import io.switchplane.manager.store.StoreLayout;
import io.switchplane.manager.store.WriteFence;
import io.switchplane.manager.store.ZkTxn;
import io.switchplane.rpc.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three managers' ownership on one real (in-process) ZooKeeper. */
class DvsOwnershipTest {
  private static final int DVSES = 12;

  /** Who holds each DVS now, as the listeners were told (the newest gain wins). */
  private final Map<String, String> holders = new ConcurrentHashMap<>();

  /**
   * Every member by id, to ask a previous holder whether it still has an epoch for a DVS another
   * member gained: that epoch, not its listener's lost() (run later, on its own thread), is what
   * lets a manager write and push, so two members with one is the violation.
   */
  private final Map<String, Member> members = new ConcurrentHashMap<>();

  private final List<String> violations = new CopyOnWriteArrayList<>();

  /** What every member's gained() waits for before it returns (open unless a test closes it). */
  private volatile CountDownLatch gainGate = new CountDownLatch(0);

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

    /** Every DVS this member's gained() was called for, in order. */
    final java.util.Queue<String> gaining = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Every DVS this member was told it lost. */
    final Set<String> lost = ConcurrentHashMap.newKeySet();

    /** What each lost() waits for before it returns (open unless a test closes it). */
    volatile CountDownLatch lostGate = new CountDownLatch(0);

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
                  gaining.add(dvsId);
                  String before = holders.put(dvsId, id);
                  if (before != null
                      && !before.equals(id)
                      && members.get(before).ownership.epoch(dvsId).isPresent()) {
                    violations.add(dvsId + " gained by " + id + " while held by " + before);
                  }
                  try {
                    // As a load that takes its time (ZooKeeper reads, probing the hosts).
                    gainGate.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }

                @Override
                public void lost(String dvsId) {
                  lost.add(dvsId);
                  holders.remove(dvsId, id);
                  try {
                    // As ConfigService.lost waits for a write of the DVS in progress.
                    lostGate.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
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
    members.put(id, m);
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
  void ownershipChangesAreCountedByKindOnMetrics() {
    Member a = member("m-a");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.ownership.held().size() == DVSES);
    Member b = member("m-b");
    awaitSpread(List.of(a, b));
    String rendered = a.metrics.render();
    // a gained all 12 alone, then lost half to b; b gained those 6 and lost none.
    assertThat(rendered)
        .contains("switchplane_manager_ownership_changes_total{change=\"gained\"} 12.0")
        .contains("switchplane_manager_ownership_changes_total{change=\"lost\"} 6.0")
        .contains("switchplane_manager_owned_dvs 6.0");
    assertThat(b.metrics.render())
        .contains("switchplane_manager_ownership_changes_total{change=\"gained\"} 6.0")
        .doesNotContain("change=\"lost\"");
  }

  @Test
  void aLoneManagerIsSettledOwningEveryDvsAndAwaitsTheClaimOfANewOne() throws Exception {
    Member a = member("m-a");
    assertThat(a.ownership.awaitSettled(Duration.ofSeconds(20))).isTrue();
    assertThat(a.ownership.held()).hasSize(DVSES);
    // A DVS created a moment ago: the write that names it waits for the claim, not refused.
    admin.create().forPath(StoreLayout.dvs("dvs-new"), new byte[0]);
    assertThat(a.ownership.awaitHeld("dvs-new", Duration.ofSeconds(20))).isTrue();
    assertThat(a.ownership.owns("dvs-new")).isTrue();
    admin.delete().forPath(StoreLayout.dvs("dvs-new"));
    await().atMost(Duration.ofSeconds(20)).until(() -> !a.ownership.owns("dvs-new"));
    // One the rule gives another manager: false as soon as an evaluation says so, not at timeout.
    Member b = member("m-b");
    awaitSpread(List.of(a, b));
    String others =
        IntStream.range(0, DVSES)
            .mapToObj(i -> "dvs-" + i)
            .filter(b.ownership::owns)
            .findFirst()
            .orElseThrow();
    long start = System.nanoTime();
    assertThat(a.ownership.awaitHeld(others, Duration.ofSeconds(30))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
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
        catchThrowableOfType(
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
  void aDvsStoreFencedByOwnershipWritesOnlyWhatItsManagerOwns() throws Exception {
    Member a = member("m-a");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.ownership.held().size() == DVSES);
    admin.createContainers(StoreLayout.TXN);
    DvsStore aStore = new DvsStore(a.client, WriteFence.owner(a.ownership::epoch));
    AtomicTxnRecord record = AtomicTxnRecord.newBuilder().setGeneration(5).build();
    aStore.recordDecision("dvs-0", record);
    assertThat(admin.checkExists().forPath(StoreLayout.txn("dvs-0"))).isNotNull();

    Member b = member("m-b");
    awaitSpread(List.of(a, b));
    String moved =
        IntStream.range(0, DVSES)
            .mapToObj(i -> "dvs-" + i)
            .filter(d -> b.ownership.owns(d) && !d.equals("dvs-0"))
            .findFirst()
            .orElseThrow();
    // Not owned any more: refused before anything is sent.
    SwitchplaneException refused =
        catchThrowableOfType(
            () -> aStore.recordDecision(moved, record), SwitchplaneException.class);
    assertThat(refused.reason()).contains(ErrorReason.NOT_DVS_OWNER);
    // A manager still believing it owns at its old epoch: ZooKeeper refuses the transaction.
    long stale = 1;
    DvsStore believer = new DvsStore(a.client, WriteFence.owner(d -> OptionalLong.of(stale)));
    refused =
        catchThrowableOfType(
            () -> believer.recordDecision(moved, record), SwitchplaneException.class);
    assertThat(refused.reason()).contains(ErrorReason.NOT_DVS_OWNER);
    assertThat(admin.checkExists().forPath(StoreLayout.txn(moved))).isNull();
  }

  @Test
  void aManagerCutFromZooKeeperStopsBeforeItsSessionExpiresAndTheOthersTakeOver() throws Exception {
    Member a = member("m-a");
    Member b = member("m-b");
    awaitSpread(List.of(a, b));
    Map<String, Long> aHeld = Map.copyOf(a.ownership.held());
    // Expire a's session. Curator then reconnects with a new session and a may claim again, so
    // the moment it held nothing is seen through its listener, not by polling held().
    a.client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    await().atMost(Duration.ofSeconds(20)).until(() -> a.lost.containsAll(aHeld.keySet()));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(holders).hasSize(DVSES));
    // Whoever holds a's former DVSes now claimed them anew: every epoch moved on.
    aHeld.forEach((d, epoch) -> assertThat(admin_record(d).epoch()).isGreaterThan(epoch));
    assertThat(violations).isEmpty();
  }

  @Test
  void afterANewSessionNoEpochFromBeforeIsAnsweredUntilEveryDvsWasGivenUp() throws Exception {
    Member a = member("m-a");
    awaitSpread(List.of(a));
    // Giving up the first DVS waits (a write of it in progress), so the rest are still held when
    // the new session comes: their epochs are from before, another manager may have claimed past
    // them meanwhile.
    CountDownLatch gate = new CountDownLatch(1);
    a.lostGate = gate;
    Set<ConnectionState> seen = ConcurrentHashMap.newKeySet();
    // Added after the ownership's listener: told after it, in order.
    a.client.getConnectionStateListenable().addListener((c, s) -> seen.add(s));
    a.client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> seen.contains(ConnectionState.RECONNECTED) && a.lost.size() == 1);
    assertThat(a.ownership.held()).isEmpty();
    IntStream.range(0, DVSES).forEach(i -> assertThat(a.ownership.epoch("dvs-" + i)).isEmpty());

    gate.countDown();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(a.ownership.held()).hasSize(DVSES));
    assertThat(violations).isEmpty();
  }

  @Test
  void aDvsBeingGainedWhenTheSessionIsLostAnswersNoEpochOnceReconnected() throws Exception {
    // The first gained() waits: the session is lost and a new one made meanwhile, while this
    // evaluation still runs (the loss's give-up queued behind it).
    CountDownLatch gate = new CountDownLatch(1);
    gainGate = gate;
    Member a = member("m-a");
    await().atMost(Duration.ofSeconds(20)).until(() -> !a.gaining.isEmpty());
    String dvs = a.gaining.peek();
    assertThat(a.ownership.epoch(dvs)).isPresent(); // gained() loads and pushes at it
    Set<ConnectionState> seen = ConcurrentHashMap.newKeySet();
    // Added after the ownership's listener: told after it, in order.
    a.client.getConnectionStateListenable().addListener((c, s) -> seen.add(s));
    a.client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains(ConnectionState.RECONNECTED));
    // Claimed in the lost session: another manager may claim past it, so no epoch of it counts.
    assertThat(a.ownership.epoch(dvs)).isEmpty();
    assertThat(a.ownership.held()).isEmpty();

    gainGate = new CountDownLatch(0);
    gate.countDown();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(a.ownership.held()).hasSize(DVSES));
    assertThat(a.lost).contains(dvs);
    assertThat(admin_record(dvs).epoch()).isEqualTo(a.ownership.epoch(dvs).orElseThrow());
    assertThat(violations).isEmpty();
  }

  private OwnerStore.Owner admin_record(String dvs) {
    return new OwnerStore(admin).read(dvs);
  }
}
