package io.switchplane.agent.apply;

import static io.switchplane.agent.AgentFixtures.A_PORTS;
import static io.switchplane.agent.AgentFixtures.B_PORTS;
import static io.switchplane.agent.AgentFixtures.DVS_ID;
import static io.switchplane.agent.AgentFixtures.PG_A;
import static io.switchplane.agent.AgentFixtures.PG_B;
import static io.switchplane.agent.AgentFixtures.port;
import static io.switchplane.agent.AgentFixtures.portGroup;
import static io.switchplane.agent.AgentFixtures.removed;
import static io.switchplane.agent.AgentFixtures.standard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.agent.backend.MemoryBackend;
import io.switchplane.agent.store.RocksDatabase;
import io.switchplane.agent.store.RocksStateStore;
import io.switchplane.agent.store.StateStore;
import io.switchplane.agent.store.StoredSwitch;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.fault.FaultPoints;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApplyPipelineTest {
  @TempDir Path dir;

  private RocksDatabase db;
  private RocksStateStore store;
  private MemoryBackend backend;
  private ApplyPipeline pipeline;
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

  @BeforeEach
  void open() {
    db = RocksDatabase.open(dir);
    store = new RocksStateStore(db, "");
    backend = new MemoryBackend();
    pipeline = new ApplyPipeline(backend, store, Clock.systemUTC(), FaultPoints.none(), timers);
  }

  @AfterEach
  void close() {
    pipeline.close();
    backend.close();
    db.close();
  }

  @AfterAll
  void stopTimers() {
    timers.shutdownNow();
  }

  /** Applies and confirms (these tests are about the apply; the confirm has its own tests). */
  private ApplyResponse applyConfirmed(HostSwitchState state) {
    ApplyResponse response = pipeline.apply(state);
    pipeline.confirm(state.getDvs().getId(), response.getAppliedGeneration(), response.getNonce());
    return response;
  }

  /** Everything an apply may change, to prove that a failed one changed nothing. */
  private record Snapshot(
      Map<String, EffectivePort> backendPorts,
      Optional<AppliedSwitch> applied,
      List<StoredSwitch> stored,
      List<HistoryEntry> history) {}

  private Snapshot snapshot() {
    return new Snapshot(
        backend.ports(DVS_ID), pipeline.applied(DVS_ID), store.loadAll(), store.history(DVS_ID));
  }

  private static void assertFails(Runnable call, ErrorCode code, String... messageParts) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            SwitchplaneException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContainingAll(messageParts);
  }

  /**
   * Generation 2 after standard(1, 10, 20): PG_A to VLAN 11, b2 removed, c1 added in PG_B: 5 ops.
   */
  private static HostSwitchState fiveOpChange() {
    HostSwitchState.Builder b = standard(2, 11, 20).toBuilder();
    b.removePorts(A_PORTS.length + 1);
    return b.addPorts(port("c1", PG_B)).build();
  }

  /**
   * 240 applies of a few ports each on a 4,096-port switch, some rolled back and some restored: the
   * ports changed cross the effective ports' folds (more than 129 distinct keys), and after each
   * the effective ports and the tally kept by difference are those of the applied state found
   * afresh.
   */
  @Test
  void effectivePortsAndTallyByDifferenceFollowAppliesRollbacksAndRestores() {
    Random random = new Random(4_096);
    String[] groups = {PG_A, PG_B};
    HostSwitchState.Builder first = HostSwitchState.newBuilder(standard(1, 10, 20)).clearPorts();
    for (int i = 0; i < 4_096; i++) {
      first.addPorts(port(String.format("p%04d", i), groups[i % 2]));
    }
    HostSwitchState applied = first.build();
    applyConfirmed(applied);
    List<Long> confirmed = new ArrayList<>(List.of(1L));
    long generation = 1;
    for (int step = 0; step < 240; step++) {
      if (step % 25 == 24) {
        long back =
            confirmed.get(confirmed.size() - 1 - random.nextInt(Math.min(5, confirmed.size())));
        ApplyResponse restored = pipeline.restore(DVS_ID, back, 60_000);
        pipeline.confirm(DVS_ID, restored.getAppliedGeneration(), restored.getNonce());
      } else {
        TreeMap<String, Port> ports = new TreeMap<>();
        applied.getPortsList().forEach(p -> ports.put(p.getKey(), p));
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
          String key = String.format("p%04d", random.nextInt(4_200));
          if (ports.containsKey(key) && random.nextInt(4) == 0) {
            ports.remove(key);
          } else {
            ports.put(key, port(key, groups[random.nextInt(2)]));
          }
        }
        generation++;
        HostSwitchState next =
            applied.toBuilder()
                .setDvs(applied.getDvs().toBuilder().setGeneration(generation))
                .clearPorts()
                .addAllPorts(ports.values())
                .build();
        ApplyResponse response = pipeline.apply(next);
        if (random.nextInt(8) == 0) {
          pipeline.rollback(DVS_ID, generation, response.getNonce());
        } else {
          pipeline.confirm(DVS_ID, generation, response.getNonce());
          confirmed.add(generation);
        }
      }

      AppliedSwitch now = pipeline.applied(DVS_ID).orElseThrow();
      applied = now.state();
      Map<String, EffectivePort> resolved = EffectiveStateResolver.resolveAll(applied);
      assertThat(now.effective()).isEqualTo(resolved);
      assertThat(backend.ports(DVS_ID)).isEqualTo(resolved);
      assertThat(now.tally()).isEqualTo(PortTally.of(applied));
      assertThat(now.tally().groups()).isEqualTo(PortTally.of(applied).groups());
    }
  }

  @Test
  void firstApplyAddsEveryPort() {
    ApplyResponse response = applyConfirmed(standard(1, 10, 20));

    assertThat(response.getAppliedGeneration()).isEqualTo(1);
    assertThat(response.getAlreadyApplied()).isFalse();
    assertThat(response.getSummary().getAdded()).isEqualTo(5);
    assertThat(response.getSummary().getTouchedPortKeysList())
        .containsExactly("a1", "a2", "a3", "b1", "b2");
    assertThat(backend.ports(DVS_ID)).containsOnlyKeys("a1", "a2", "a3", "b1", "b2");
    assertThat(backend.ports(DVS_ID).get("a1").getPolicy().getVlan().getAccessId()).isEqualTo(10);
    assertThat(backend.ports(DVS_ID)).isEqualTo(pipeline.applied(DVS_ID).orElseThrow().effective());
    // The answer's stage timings are not stored.
    assertThat(store.loadAll())
        .containsExactly(
            new StoredSwitch(standard(1, 10, 20), response.toBuilder().clearStages().build()));
  }

  @Test
  void vlanChangeOfOnePortGroupUpdatesOnlyItsPorts() {
    applyConfirmed(standard(1, 10, 20));
    Map<String, EffectivePort> before = backend.ports(DVS_ID);

    ApplyResponse response = applyConfirmed(standard(2, 10, 30));

    assertThat(response.getSummary())
        .isEqualTo(
            ChangeSummary.newBuilder()
                .setUpdated(2)
                .setUnchanged(3)
                .addAllTouchedPortKeys(List.of(B_PORTS))
                .build());
    Map<String, EffectivePort> after = backend.ports(DVS_ID);
    assertThat(after.get("b1").getPolicy().getVlan().getAccessId()).isEqualTo(30);
    for (String key : A_PORTS) {
      assertThat(after.get(key)).isSameAs(before.get(key));
    }
  }

  @Test
  void sameGenerationAgainAnswersFromTheStoreWithoutTouchingTheBackend() {
    ApplyResponse first = applyConfirmed(standard(1, 10, 20));
    Snapshot before = snapshot();
    backend.failOnOperation(1);

    // Even a different body: the generation decides, as the contract says.
    ApplyResponse again = applyConfirmed(standard(1, 99, 20));

    assertThat(again).isEqualTo(first.toBuilder().clearStages().setAlreadyApplied(true).build());
    assertThat(snapshot()).isEqualTo(before);
  }

  private static io.switchplane.api.v1.PushOwner owner(String manager, long epoch) {
    return io.switchplane.api.v1.PushOwner.newBuilder()
        .setManagerId(manager)
        .setEpoch(epoch)
        .build();
  }

  @Test
  void aPushFromAnOlderOwnerEpochIsRefusedWithItsReasonAndChangesNothingEvenAfterARestart() {
    ApplyResponse first = pipeline.apply(standard(1, 10, 20), 0, "", owner("m-a", 3));
    pipeline.confirm(DVS_ID, 1, first.getNonce(), owner("m-a", 3));
    ApplyResponse second = pipeline.apply(fiveOpChange(), 0, "", owner("m-b", 4));
    // The old owner cannot confirm the new owner's generation, nor push its own.
    assertThatThrownBy(() -> pipeline.confirm(DVS_ID, 2, second.getNonce(), owner("m-a", 3)))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
              assertThat(e.reason())
                  .contains(io.switchplane.common.error.ErrorReason.STALE_OWNER_EPOCH);
            });
    pipeline.confirm(DVS_ID, 2, second.getNonce(), owner("m-b", 4));
    close();
    open();
    pipeline.recover();
    Snapshot before = snapshot();
    assertThatThrownBy(() -> pipeline.apply(standard(3, 40, 40), 0, "", owner("m-a", 3)))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e ->
                assertThat(e.reason())
                    .contains(io.switchplane.common.error.ErrorReason.STALE_OWNER_EPOCH))
        .hasMessageContainingAll("m-a", "epoch 3", "epoch 4");
    assertThat(snapshot()).isEqualTo(before);
    // Who pushed each generation is in the history.
    assertThat(store.history(DVS_ID))
        .extracting(
            h ->
                h.getGeneration()
                    + "@"
                    + h.getOwner().getManagerId()
                    + "/"
                    + h.getOwner().getEpoch())
        .containsExactly("2@m-b/4", "1@m-a/3");
    // The current owner and an unfenced caller (epoch 0) go on.
    assertThat(pipeline.apply(standard(3, 40, 40), 0, "", owner("m-b", 4)).getAppliedGeneration())
        .isEqualTo(3);
  }

  @Test
  void olderGenerationIsRefusedAndChangesNothing() {
    applyConfirmed(standard(1, 10, 20));
    applyConfirmed(standard(3, 10, 30));
    Snapshot before = snapshot();

    assertFails(
        () -> applyConfirmed(standard(2, 40, 40)),
        ErrorCode.FAILED_PRECONDITION,
        "generation 2",
        "applied generation 3");
    assertThat(snapshot()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void backendFailingAtAnyOperationLeavesEverythingAsBefore(int k) {
    applyConfirmed(standard(1, 10, 20));
    Snapshot before = snapshot();
    backend.failOnOperation(k);

    assertFails(
        () -> applyConfirmed(fiveOpChange()),
        ErrorCode.ABORTED,
        "generation 2",
        "operation " + k + " of 5",
        "injected fault",
        "undone");
    assertThat(snapshot()).isEqualTo(before);

    // The fault was one-shot: the same generation now applies in full.
    ApplyResponse response = applyConfirmed(fiveOpChange());
    assertThat(response.getSummary().getTouchedPortKeysList())
        .containsExactly("c1", "a1", "a2", "a3", "b2");
    assertThat(backend.ports(DVS_ID)).containsOnlyKeys("a1", "a2", "a3", "b1", "c1");
  }

  @Test
  void storeFailureAfterTheBackendAppliedTakesTheBackendBack() {
    applyConfirmed(standard(1, 10, 20));
    StateStore failing = RefusingStore.commit(store);
    ApplyPipeline failingPipeline =
        new ApplyPipeline(backend, failing, Clock.systemUTC(), FaultPoints.none(), timers);
    failingPipeline.recover();
    Map<String, EffectivePort> backendBefore = backend.ports(DVS_ID);

    assertFails(
        () -> failingPipeline.apply(fiveOpChange()), ErrorCode.INTERNAL, "disk full", "taken back");
    assertThat(backend.ports(DVS_ID)).isEqualTo(backendBefore);
    assertThat(failingPipeline.applied(DVS_ID).orElseThrow().generation()).isEqualTo(1);
  }

  @Test
  void restartRestoresTheBackendFromTheStore() {
    applyConfirmed(standard(1, 10, 20));
    ApplyResponse second = applyConfirmed(fiveOpChange());
    Map<String, EffectivePort> ports = backend.ports(DVS_ID);
    close();

    open();
    assertThat(backend.ports(DVS_ID)).isEmpty();
    pipeline.recover();

    assertThat(backend.ports(DVS_ID)).isEqualTo(ports);
    assertThat(pipeline.applied(DVS_ID).orElseThrow().state()).isEqualTo(fiveOpChange());
    assertThat(applyConfirmed(fiveOpChange()))
        .isEqualTo(second.toBuilder().clearStages().setAlreadyApplied(true).build());
    assertThat(applyConfirmed(standard(3, 10, 20)).getSummary().getUnchanged()).isEqualTo(1);
  }

  @Test
  void historyKeepsTheFiftyNewestFirst() {
    for (int generation = 1; generation <= 55; generation++) {
      applyConfirmed(standard(generation, 10 + generation % 2, 20));
    }

    List<HistoryEntry> history = store.history(DVS_ID);
    assertThat(history).hasSize(StateStore.HISTORY_LIMIT);
    assertThat(history.get(0).getGeneration()).isEqualTo(55);
    assertThat(history.get(49).getGeneration()).isEqualTo(6);
    assertThat(history.get(0).getSummary().getUpdated()).isEqualTo(3);
    assertThat(store.historicState(DVS_ID, 5)).isEmpty();
    assertThat(store.historicState(DVS_ID, 6)).contains(standard(6, 10, 20));
  }

  @Test
  void memberFalseRemovesTheSwitchButKeepsHistoryAndGeneration() {
    applyConfirmed(standard(1, 10, 20));

    ApplyResponse response = applyConfirmed(removed(2));

    assertThat(response.getSummary().getRemoved()).isEqualTo(5);
    assertThat(backend.ports(DVS_ID)).isEmpty();
    assertThat(pipeline.switches()).isEmpty();
    assertThat(store.history(DVS_ID))
        .extracting(HistoryEntry::getGeneration)
        .containsExactly(2L, 1L);
    assertFails(
        () -> applyConfirmed(standard(1, 10, 20)),
        ErrorCode.FAILED_PRECONDITION,
        "applied generation 2");

    // Joining again later recreates the switch.
    assertThat(applyConfirmed(standard(3, 10, 20)).getSummary().getAdded()).isEqualTo(5);
    assertThat(pipeline.switches()).extracting(AppliedSwitch::generation).containsExactly(3L);
  }

  @Test
  void invalidStatesAreRefusedAndChangeNothing() {
    applyConfirmed(standard(1, 10, 20));
    Snapshot before = snapshot();

    assertFails(() -> applyConfirmed(standard(2, 5000, 20)), ErrorCode.INVALID_ARGUMENT, "5000");
    HostSwitchState missingGroup =
        standard(2, 10, 20).toBuilder().addPorts(port("x1", "pg-missing")).build();
    assertFails(() -> applyConfirmed(missingGroup), ErrorCode.INVALID_ARGUMENT, "x1", "pg-missing");
    HostSwitchState portsOfRemoved = removed(2).toBuilder().addPorts(port("x1", PG_A)).build();
    assertFails(
        () -> applyConfirmed(portsOfRemoved), ErrorCode.INVALID_ARGUMENT, "still lists 1 ports");

    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void switchesOfSeveralDvsesAreKeptApart() {
    HostSwitchState other =
        standard(7, 10, 20).toBuilder()
            .setDvs(standard(7, 10, 20).getDvs().toBuilder().setId("dvs-2").setName("a-first"))
            .clearPortGroups()
            .clearPorts()
            .addPortGroups(portGroup(PG_A, 10).toBuilder().setDvsId("dvs-2"))
            .addPorts(port("z1", PG_A).toBuilder().setDvsId("dvs-2"))
            .build();

    applyConfirmed(standard(1, 10, 20));
    applyConfirmed(other);

    assertThat(pipeline.switches())
        .extracting(AppliedSwitch::dvsId)
        .containsExactly("dvs-2", DVS_ID);
    assertThat(backend.ports("dvs-2")).containsOnlyKeys("z1");
    assertThat(backend.ports(DVS_ID)).hasSize(5);
  }
}
