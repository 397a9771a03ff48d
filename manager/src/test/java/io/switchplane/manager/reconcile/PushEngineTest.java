package io.switchplane.manager.reconcile;

import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_FAILED;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_IN_SYNC;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_UNREACHABLE;
import static io.switchplane.manager.reconcile.PushFixtures.DVS_ID;
import static io.switchplane.manager.reconcile.PushFixtures.PG_A;
import static io.switchplane.manager.reconcile.PushFixtures.PG_B;
import static io.switchplane.manager.reconcile.PushFixtures.host;
import static io.switchplane.manager.reconcile.PushFixtures.next;
import static io.switchplane.manager.reconcile.PushFixtures.settings;
import static io.switchplane.manager.reconcile.PushFixtures.touchPort;
import static io.switchplane.manager.reconcile.PushFixtures.vlanOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.manager.model.DvsConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The push engine against fake agents on real loopback gRPC. */
class PushEngineTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Closed in reverse order of creation: engines before the agents they talk to. */
  private final List<Runnable> closers = new ArrayList<>();

  private final PushFixtures.Directory directory = new PushFixtures.Directory();

  @AfterEach
  void closeAll() {
    Collections.reverse(closers);
    closers.forEach(Runnable::run);
  }

  @Test
  void pushesOnlyTheHostsAChangeAffects() {
    List<FakeAgent> agents = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      agents.add(agentFor(host(i)));
    }
    PushEngine engine = leadingEngine(settings(16));
    DvsConfig c1 = PushFixtures.standard(4);
    engine.committed(CommittedChange.of(null, c1), PushIntent.BEST_EFFORT);
    assertThat(engine.whenInSync(DVS_ID, 1)).succeedsWithin(WAIT);

    DvsConfig c2 = next(c1, vlanOf(PG_B, 99));
    engine.committed(CommittedChange.of(c1, c2), PushIntent.BEST_EFFORT);
    assertThat(engine.whenInSync(DVS_ID, 2)).succeedsWithin(WAIT);

    assertThat(agents.get(0).appliedGenerations(host(0))).containsExactly(1L, 2L);
    assertThat(agents.get(1).appliedGenerations(host(1))).containsExactly(1L);
    assertThat(agents.get(2).appliedGenerations(host(2))).containsExactly(1L, 2L);
    assertThat(agents.get(3).appliedGenerations(host(3))).containsExactly(1L);
    assertThat(engine.statusBook().list(DVS_ID))
        .extracting(
            HostPushStatus::getHostId,
            HostPushStatus::getState,
            HostPushStatus::getDesiredGeneration,
            HostPushStatus::getAppliedGeneration)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(host(0), HOST_SYNC_STATE_IN_SYNC, 2L, 2L),
            org.assertj.core.groups.Tuple.tuple(host(1), HOST_SYNC_STATE_IN_SYNC, 2L, 1L),
            org.assertj.core.groups.Tuple.tuple(host(2), HOST_SYNC_STATE_IN_SYNC, 2L, 2L),
            org.assertj.core.groups.Tuple.tuple(host(3), HOST_SYNC_STATE_IN_SYNC, 2L, 1L));
    assertThat(agents.get(0).state(host(0), DVS_ID).getPortGroupsList())
        .anySatisfy(
            pg -> assertThat(pg.getPolicy().getVlan().getValue().getAccessId()).isEqualTo(99));
  }

  @Test
  void everyCallCarriesTheOwnerAndNoneIsSentForADvsThisManagerDoesNotOwn() {
    FakeAgent agent = agentFor(host(0));
    Map<String, io.switchplane.api.v1.PushOwner> owned =
        new java.util.concurrent.ConcurrentHashMap<>();
    io.switchplane.manager.agents.AgentChannels channels =
        new io.switchplane.manager.agents.AgentChannels();
    closers.add(channels::close);
    PushEngine engine =
        track(
            new PushEngine(
                directory,
                settings(4),
                channels,
                dvsId -> java.util.Optional.ofNullable(owned.get(dvsId))));
    engine.start();
    engine.activate(List.of());

    engine.committed(CommittedChange.of(null, PushFixtures.standard(1)), PushIntent.BEST_EFFORT);
    await()
        .atMost(WAIT)
        .until(() -> engine.statusBook().get(DVS_ID, host(0)).orElseThrow().getAttempts() > 1);
    assertThat(agent.applies()).isEmpty();

    io.switchplane.api.v1.PushOwner me =
        io.switchplane.api.v1.PushOwner.newBuilder().setManagerId("m-a").setEpoch(7).build();
    owned.put(DVS_ID, me);
    assertThat(engine.whenInSync(DVS_ID, 1)).succeedsWithin(WAIT);
    assertThat(agent.owners()).isNotEmpty().allMatch(me::equals);
  }

  @Test
  void unreachableHostGetsItsStateOnceItsAgentStarts() {
    int port = freePort();
    directory.put(host(0), "127.0.0.1:" + port);
    PushEngine engine = leadingEngine(settings(4));

    engine.committed(CommittedChange.of(null, PushFixtures.standard(1)), PushIntent.BEST_EFFORT);
    await().atMost(WAIT).until(() -> state(engine, host(0)) == HOST_SYNC_STATE_UNREACHABLE);
    assertThat(engine.statusBook().get(DVS_ID, host(0)).orElseThrow().getLastError())
        .contains("unreachable");

    FakeAgent agent = track(FakeAgent.start(port));
    assertThat(engine.whenInSync(DVS_ID, 1)).succeedsWithin(WAIT);
    assertThat(agent.state(host(0), DVS_ID)).isNotNull();
    assertThat(engine.statusBook().get(DVS_ID, host(0)).orElseThrow().getAttempts())
        .isGreaterThan(1);
  }

  @Test
  void newerStatesArrivingDuringAPushAreCoalescedIntoTheLatest() {
    FakeAgent slow = track(FakeAgent.start(new FakeAgent.Gauge(), Duration.ofMillis(300)));
    directory.put(host(0), slow.endpoint());
    PushEngine engine = leadingEngine(settings(4));
    DvsConfig c1 = PushFixtures.standard(1);
    DvsConfig c2 = next(c1, touchPort("h0-a", "two"));
    DvsConfig c3 = next(c2, touchPort("h0-a", "three"));

    engine.committed(CommittedChange.of(null, c1), PushIntent.BEST_EFFORT);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> slow.applies().size() == 1);
    engine.committed(CommittedChange.of(c1, c2), PushIntent.BEST_EFFORT);
    engine.committed(CommittedChange.of(c2, c3), PushIntent.BEST_EFFORT);

    assertThat(engine.whenInSync(DVS_ID, 3)).succeedsWithin(WAIT);
    assertThat(slow.appliedGenerations(host(0))).containsExactly(1L, 3L);
    assertThat(slow.state(host(0), DVS_ID).getPorts(0).getDescription()).isEqualTo("three");
  }

  @Test
  void callsInFlightStayWithinTheBound() {
    FakeAgent.Gauge gauge = new FakeAgent.Gauge();
    FakeAgent shared = track(FakeAgent.start(gauge, Duration.ofMillis(40)));
    for (int i = 0; i < 12; i++) {
      directory.put(host(i), shared.endpoint());
    }
    PushEngine engine = leadingEngine(settings(3));
    DvsConfig c1 = PushFixtures.standard(12);

    engine.committed(CommittedChange.of(null, c1), PushIntent.BEST_EFFORT);
    assertThat(engine.whenInSync(DVS_ID, 1)).succeedsWithin(WAIT);
    assertThat(gauge.max()).isBetween(2, 3);

    gauge.reset();
    engine.setMaxInFlight(1);
    engine.committed(CommittedChange.of(c1, next(c1, vlanOf(PG_A, 11))), PushIntent.BEST_EFFORT);
    assertThat(engine.whenInSync(DVS_ID, 2)).succeedsWithin(WAIT);
    assertThat(gauge.max()).isEqualTo(1);
    assertThat(shared.applies()).hasSize(24);
  }

  @Test
  void activationPushesOnlyWhereTheAgentsContentDiffers() {
    FakeAgent a0 = agentFor(host(0));
    FakeAgent a1 = agentFor(host(1));
    FakeAgent a2 = agentFor(host(2));
    DvsConfig c1 = PushFixtures.standard(3);
    DvsConfig c2 = next(c1, touchPort("h1-a", "changed"));
    a0.preload(DesiredStateBuilder.build(c1, host(0)));
    a1.preload(DesiredStateBuilder.build(c1, host(1)));

    PushEngine engine = startedEngine(settings(8));
    engine.activate(List.of(c2));

    assertThat(engine.whenInSync(DVS_ID, 2)).succeedsWithin(WAIT);
    assertThat(a0.applies()).isEmpty();
    assertThat(a1.appliedGenerations(host(1))).containsExactly(2L);
    assertThat(a2.appliedGenerations(host(2))).containsExactly(2L);
    assertThat(engine.statusBook().get(DVS_ID, host(0)).orElseThrow())
        .extracting(HostPushStatus::getDesiredGeneration, HostPushStatus::getAppliedGeneration)
        .containsExactly(2L, 1L);
  }

  @Test
  void anAgentWithOtherContentAtANewerGenerationFailsWithoutRetry() {
    FakeAgent a0 = agentFor(host(0));
    DvsConfig c1 = PushFixtures.standard(1);
    DvsConfig other = next(c1, touchPort("h0-a", "other"));
    a0.preload(
        DesiredStateBuilder.build(other, host(0)).toBuilder()
            .setDvs(other.dvs().toBuilder().setGeneration(5))
            .build());
    PushEngine engine = leadingEngine(settings(4));

    engine.committed(CommittedChange.of(null, c1), PushIntent.BEST_EFFORT);

    await().atMost(WAIT).until(() -> state(engine, host(0)) == HOST_SYNC_STATE_FAILED);
    HostPushStatus s = engine.statusBook().get(DVS_ID, host(0)).orElseThrow();
    assertThat(s.getLastError()).contains("newer generation").contains("not retried automatically");
    assertThat(s.getAttempts()).isEqualTo(1);
    assertThat(a0.applies()).hasSize(1);
  }

  @Test
  void anAgentWithTheSameContentAtANewerGenerationIsInSync() {
    // An installer put the host's state in out of band while the DVS moved on for other hosts.
    FakeAgent a0 = agentFor(host(0));
    DvsConfig c1 = PushFixtures.standard(1);
    a0.preload(
        DesiredStateBuilder.build(c1, host(0)).toBuilder()
            .setDvs(c1.dvs().toBuilder().setGeneration(5))
            .build());
    PushEngine engine = leadingEngine(settings(4));

    engine.committed(CommittedChange.of(null, c1), PushIntent.BEST_EFFORT);

    await().atMost(WAIT).until(() -> state(engine, host(0)) == HOST_SYNC_STATE_IN_SYNC);
    assertThat(engine.statusBook().get(DVS_ID, host(0)).orElseThrow().getAppliedGeneration())
        .isEqualTo(5);
    assertThat(a0.appliedGenerations(host(0)))
        .as("one Apply, refused; then it was asked")
        .containsExactly(1L);
    assertThat(a0.state(host(0), DVS_ID).getDvs().getGeneration()).isEqualTo(5);
  }

  @Test
  void leftHostsAndDeletedSwitchesGetTombstones() {
    FakeAgent a0 = agentFor(host(0));
    FakeAgent a1 = agentFor(host(1));
    FakeAgent a2 = agentFor(host(2));
    PushEngine engine = leadingEngine(settings(8));
    DvsConfig c1 = PushFixtures.standard(3);
    engine.committed(CommittedChange.of(null, c1), PushIntent.BEST_EFFORT);
    assertThat(engine.whenInSync(DVS_ID, 1)).succeedsWithin(WAIT);

    DvsConfig c2 =
        next(
            c1,
            b -> {
              b.ports().remove("h2-a");
              b.ports().remove("h2-b");
              b.dvs(b.dvs().toBuilder().removeMembers(2).build());
            });
    engine.committed(CommittedChange.of(c1, c2), PushIntent.BEST_EFFORT);
    await().atMost(WAIT).until(() -> a2.state(host(2), DVS_ID) == null);
    assertThat(engine.statusBook().list(DVS_ID))
        .extracting(HostPushStatus::getHostId)
        .containsExactly(host(0), host(1));

    engine.deleted(c2);
    assertThat(engine.whenInSync(DVS_ID, 3)).succeedsWithin(WAIT);
    assertThat(a0.state(host(0), DVS_ID)).isNull();
    assertThat(a1.state(host(1), DVS_ID)).isNull();
    await().atMost(WAIT).until(() -> engine.statusBook().list(null).isEmpty());
  }

  @Test
  void afterLosingLeadershipNothingIsPushedUntilActivatedAgain() {
    FakeAgent a0 = agentFor(host(0));
    PushEngine engine = leadingEngine(settings(4));
    DvsConfig c1 = PushFixtures.standard(1);
    DvsConfig c2 = next(c1, touchPort("h0-a", "two"));
    engine.committed(CommittedChange.of(null, c1), PushIntent.BEST_EFFORT);
    assertThat(engine.whenInSync(DVS_ID, 1)).succeedsWithin(WAIT);

    engine.deactivate();
    engine.committed(CommittedChange.of(c1, c2), PushIntent.BEST_EFFORT);

    assertThat(engine.isActive()).isFalse();
    assertThat(engine.whenInSync(DVS_ID, 1)).isCompletedExceptionally();
    assertThat(engine.statusBook().list(null)).isEmpty();
    // The first push's slot is released just after its status was recorded: wait for that, not a
    // new call.
    await().atMost(WAIT).until(() -> engine.inFlight() + engine.queued() == 0);
    assertThat(a0.applies()).hasSize(1);

    engine.activate(List.of(c2));
    assertThat(engine.whenInSync(DVS_ID, 2)).succeedsWithin(WAIT);
    assertThat(a0.appliedGenerations(host(0))).containsExactly(1L, 2L);
  }

  @Test
  void anAtomicDecisionThatComesBeforeAHostsAnswerIsCarriedOutWhenTheAnswerArrives() {
    // The round aborts as soon as one host fails; a slower host's answer may still be on its way.
    FakeAgent slow = track(FakeAgent.start(new FakeAgent.Gauge(), Duration.ofMillis(400)));
    directory.put(host(0), slow.endpoint());
    PushEngine engine = leadingEngine(settings(4));
    DvsConfig c1 = PushFixtures.standard(1);
    engine.committed(CommittedChange.of(null, c1), PushIntent.BEST_EFFORT);
    assertThat(engine.whenInSync(DVS_ID, 1)).succeedsWithin(WAIT);

    List<String> applied = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicRound round =
        new AtomicRound() {
          @Override
          public void applied(String hostId) {
            applied.add(hostId);
          }

          @Override
          public void failed(String hostId, String why) {}
        };
    DvsConfig c2 = next(c1, vlanOf(PG_A, 42));
    engine.committed(CommittedChange.of(c1, c2), new PushIntent(10_000, round));
    await().atMost(WAIT).until(() -> slow.applies().size() == 2);
    engine.decided(DVS_ID, 2, List.of(host(0)), false, "another host failed");
    // The abort's restore, as AtomicCommits makes it: it must not wait forever behind generation 2.
    DvsConfig c3 = next(c2, vlanOf(PG_A, 7));
    engine.committed(CommittedChange.of(c2, c3), PushIntent.BEST_EFFORT);

    await().atMost(WAIT).until(() -> slow.rollbacks().contains(2L));
    assertThat(engine.whenInSync(DVS_ID, 3)).succeedsWithin(WAIT);
    assertThat(slow.confirms()).doesNotContain(2L).contains(3L);
    assertThat(applied).as("the round had decided: not told again").isEmpty();
  }

  @Test
  void lifecycleIsGuarded() {
    PushEngine engine = track(new PushEngine(directory, settings(1)));
    assertThatThrownBy(() -> engine.activate(List.of())).isInstanceOf(IllegalStateException.class);
    engine.start();
    assertThatThrownBy(engine::start).isInstanceOf(IllegalStateException.class);
    engine.close();
    engine.close();
    assertThatThrownBy(engine::start).isInstanceOf(IllegalStateException.class);
    engine.committed(
        CommittedChange.of(null, PushFixtures.standard(1)),
        PushIntent.BEST_EFFORT); // ignored once closed
  }

  @Test
  void aCommitToOneDvsDoesNotWaitForACommitToAnotherOne() {
    CountDownLatch insideA = new CountDownLatch(1);
    CountDownLatch releaseA = new CountDownLatch(1);
    AtomicBoolean blockOnce = new AtomicBoolean(true);
    // The status book asks a host's name when the host is new to it, inside the commit: the commit
    // to DVS a stops there until released.
    HostDirectory hosts =
        hostId -> {
          if (hostId.equals("a0") && blockOnce.getAndSet(false)) {
            insideA.countDown();
            awaitQuietly(releaseA);
          }
          return directory.host(hostId);
        };
    PushEngine engine = track(new PushEngine(hosts, settings(4)));
    engine.start();
    engine.activate(List.of());
    ExecutorService committers = Executors.newFixedThreadPool(2);
    closers.add(committers::shutdownNow);
    closers.add(releaseA::countDown); // a failed assertion must not leave the commit to a stuck

    CompletableFuture<Void> commitA =
        CompletableFuture.runAsync(
            () -> engine.committed(oneHostDvs("dvs-a", "a0"), PushIntent.BEST_EFFORT), committers);
    assertThat(awaitQuietly(insideA)).isTrue();
    CompletableFuture<Void> commitB =
        CompletableFuture.runAsync(
            () -> engine.committed(oneHostDvs("dvs-b", "b0"), PushIntent.BEST_EFFORT), committers);

    assertThat(commitB).succeedsWithin(WAIT);
    assertThat(engine.statusBook().get("dvs-b", "b0")).isPresent();
    assertThat(commitA).isNotDone();
    releaseA.countDown();
    assertThat(commitA).succeedsWithin(WAIT);
    assertThat(engine.statusBook().get("dvs-a", "a0")).isPresent();
  }

  private FakeAgent agentFor(String hostId) {
    FakeAgent agent = track(FakeAgent.start(0));
    directory.put(hostId, agent.endpoint());
    return agent;
  }

  private PushEngine startedEngine(PushSettings settings) {
    PushEngine engine = track(new PushEngine(directory, settings));
    engine.start();
    return engine;
  }

  private PushEngine leadingEngine(PushSettings settings) {
    PushEngine engine = startedEngine(settings);
    engine.activate(List.of());
    return engine;
  }

  private static HostSyncState state(PushEngine engine, String hostId) {
    return engine.statusBook().get(DVS_ID, hostId).map(HostPushStatus::getState).orElse(null);
  }

  private FakeAgent track(FakeAgent agent) {
    closers.add(agent::close);
    return agent;
  }

  private PushEngine track(PushEngine engine) {
    closers.add(engine::close);
    return engine;
  }

  /** The first generation of a DVS with one member host and nothing else. */
  private static CommittedChange oneHostDvs(String dvsId, String hostId) {
    return CommittedChange.of(
        null,
        DvsConfig.of(
            PushFixtures.dvs(1, 0).toBuilder()
                .setId(dvsId)
                .setName(dvsId)
                .addMembers(PushFixtures.member(hostId))
                .build(),
            Map.of(),
            Map.of()));
  }

  private static boolean awaitQuietly(CountDownLatch latch) {
    try {
      return latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
