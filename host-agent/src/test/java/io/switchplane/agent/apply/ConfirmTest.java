package io.switchplane.agent.apply;

import static io.switchplane.agent.AgentFixtures.DVS_ID;
import static io.switchplane.agent.AgentFixtures.standard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.switchplane.agent.backend.FileBackend;
import io.switchplane.agent.store.RocksDatabase;
import io.switchplane.agent.store.RocksStateStore;
import io.switchplane.api.v1.ApplyOutcome;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HistoryEntryKind;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.fault.FaultPoints;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit-confirmed side of the pipeline: confirm, deadline rollback, explicit rollback,
 * restarts.
 */
class ConfirmTest {
  private static final long TIMEOUT_MS = 2_000;

  @TempDir Path dir;

  /**
   * Wall time plus an offset the test moves forward, so that "the agent was down for a minute" is
   * instant.
   */
  private final AtomicLong skewMs = new AtomicLong();

  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return Instant.ofEpochMilli(System.currentTimeMillis() + skewMs.get());
        }
      };
  private ScheduledExecutorService timers;
  private RocksDatabase db;
  private RocksStateStore store;
  private FileBackend backend;
  private ApplyPipeline pipeline;

  @BeforeEach
  void open() {
    timers = Executors.newSingleThreadScheduledExecutor();
    db = RocksDatabase.open(dir.resolve("db"));
    store = new RocksStateStore(db, "");
    backend = new FileBackend(dir.resolve("switch"));
    pipeline = new ApplyPipeline(backend, store, clock, FaultPoints.none(), timers);
    pipeline.recover();
  }

  @AfterEach
  void close() {
    pipeline.close();
    timers.shutdownNow();
    db.close();
  }

  private void restart() {
    close();
    open();
  }

  private static Map<String, EffectivePort> effective(long generation, int vlanA) {
    return EffectiveStateResolver.resolveAll(standard(generation, vlanA, 20));
  }

  private static void assertFails(Runnable call, ErrorCode code, String... parts) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            SwitchplaneException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContainingAll(parts);
  }

  @Test
  void aConfirmedApplyStaysAndItsHistorySaysConfirmed() {
    ApplyResponse r = pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    assertThat(r.getConfirmDeadlineUnixMs())
        .isBetween(clock.millis() + TIMEOUT_MS - 1_000, clock.millis() + TIMEOUT_MS);
    assertThat(pipeline.pending(DVS_ID)).get().extracting(p -> p.getGeneration()).isEqualTo(1L);
    assertThat(pipeline.confirmedGeneration(DVS_ID)).isZero();

    pipeline.confirm(DVS_ID, 1, r.getNonce());

    assertThat(pipeline.pending(DVS_ID)).isEmpty();
    assertThat(pipeline.confirmedGeneration(DVS_ID)).isEqualTo(1);
    assertThat(store.history(DVS_ID))
        .singleElement()
        .extracting(HistoryEntry::getOutcome)
        .isEqualTo(ApplyOutcome.APPLY_OUTCOME_CONFIRMED);
    // Well past the deadline, nothing is undone.
    skewMs.addAndGet(10_000);
    restart();
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(1, 10));
    assertThat(pipeline.confirmedGeneration(DVS_ID)).isEqualTo(1);
  }

  @Test
  void withoutConfirmTheLastConfirmedStateComesBackWithinTheDeadline() {
    ApplyResponse first = pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 1, first.getNonce());
    long applied = System.nanoTime();
    ApplyResponse second = pipeline.apply(standard(2, 11, 20), TIMEOUT_MS, "");
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(2, 11));

    await()
        .atMost(Duration.ofMillis(TIMEOUT_MS + 1_000))
        .until(() -> pipeline.pending(DVS_ID).isEmpty());
    long tookMs = (System.nanoTime() - applied) / 1_000_000;

    assertThat(tookMs).isGreaterThanOrEqualTo(TIMEOUT_MS - 50);
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(1, 10));
    assertThat(pipeline.applied(DVS_ID).orElseThrow().generation()).isEqualTo(1);
    RollbackEvent event = pipeline.lastRollback(DVS_ID).orElseThrow();
    assertThat(event.getGeneration()).isEqualTo(2);
    assertThat(event.getRestoredGeneration()).isEqualTo(1);
    assertThat(event.getCause()).isEqualTo(RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT);
    assertThat(event.getSummary().getUpdated()).isEqualTo(3);
    assertThat(store.historyEntry(DVS_ID, 2))
        .get()
        .extracting(HistoryEntry::getOutcome)
        .isEqualTo(ApplyOutcome.APPLY_OUTCOME_ROLLED_BACK);
    // A late confirm learns what happened.
    assertFails(
        () -> pipeline.confirm(DVS_ID, 2, second.getNonce()),
        ErrorCode.FAILED_PRECONDITION,
        "generation 2 was rolled back",
        "no confirm before the deadline",
        "at generation 1");
    // The rollback is durable.
    restart();
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(1, 10));
    assertThat(pipeline.lastRollback(DVS_ID)).contains(event);
  }

  @Test
  void aFirstApplyNeverConfirmedRemovesTheSwitch() {
    pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    await()
        .atMost(Duration.ofMillis(TIMEOUT_MS + 1_000))
        .until(() -> pipeline.pending(DVS_ID).isEmpty());
    assertThat(backend.ports(DVS_ID)).isEmpty();
    assertThat(pipeline.switches()).isEmpty();
    assertThat(pipeline.applied(DVS_ID).orElseThrow().generation()).isZero();
    // The manager may push it again later.
    ApplyResponse again = pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 1, again.getNonce());
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(1, 10));
  }

  @Test
  void aPendingApplyBlocksOthersUnlessSupersededWithItsNonce() {
    ApplyResponse first = pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 1, first.getNonce());
    ApplyResponse second = pipeline.apply(standard(2, 11, 20), 60_000, "");

    assertFails(
        () -> pipeline.apply(standard(3, 12, 20), 60_000, ""),
        ErrorCode.FAILED_PRECONDITION,
        "generation 2",
        "awaiting confirm");
    assertFails(
        () -> pipeline.apply(standard(3, 12, 20), 60_000, "forged"),
        ErrorCode.FAILED_PRECONDITION,
        "awaiting confirm");
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(2, 11));

    ApplyResponse third = pipeline.apply(standard(3, 12, 20), 60_000, second.getNonce());
    // Superseded, not confirmed: a rollback now goes back to the last confirmed generation, 1.
    assertThat(pipeline.pending(DVS_ID).orElseThrow().getRevertToGeneration()).isEqualTo(1);
    RollbackEvent event = pipeline.rollback(DVS_ID, 3, third.getNonce());
    assertThat(event.getCause()).isEqualTo(RollbackCause.ROLLBACK_CAUSE_REQUESTED);
    assertThat(event.getRestoredGeneration()).isEqualTo(1);
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(1, 10));
  }

  @Test
  void wrongConfirmsAreRefusedAndChangeNothing() {
    ApplyResponse r = pipeline.apply(standard(1, 10, 20), 60_000, "");
    assertFails(
        () -> pipeline.confirm(DVS_ID, 1, "forged"), ErrorCode.INVALID_ARGUMENT, "wrong nonce");
    assertFails(
        () -> pipeline.confirm(DVS_ID, 7, r.getNonce()),
        ErrorCode.INVALID_ARGUMENT,
        "generation 1 is");
    assertFails(
        () -> pipeline.rollback(DVS_ID, 1, "forged"), ErrorCode.INVALID_ARGUMENT, "wrong nonce");
    assertFails(
        () -> pipeline.confirm("other-dvs", 1, r.getNonce()),
        ErrorCode.FAILED_PRECONDITION,
        "nothing awaits confirm");
    assertThat(pipeline.pending(DVS_ID)).isPresent();
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(1, 10));
    assertFails(
        () -> pipeline.apply(standard(2, 10, 20), 1_000, ""),
        ErrorCode.INVALID_ARGUMENT,
        "confirm timeout");
    assertFails(
        () -> pipeline.apply(standard(2, 10, 20), 3_600_001, ""),
        ErrorCode.INVALID_ARGUMENT,
        "confirm timeout");
  }

  @Test
  void aDeadlinePassedWhileTheAgentWasDownRollsBackBeforeServing() {
    ApplyResponse first = pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 1, first.getNonce());
    pipeline.apply(standard(2, 11, 20), 60_000, "");
    close();

    skewMs.addAndGet(61_000); // the agent was down for a minute
    open(); // recover() ran inside open()

    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(1, 10));
    assertThat(pipeline.pending(DVS_ID)).isEmpty();
    assertThat(pipeline.lastRollback(DVS_ID).orElseThrow().getCause())
        .isEqualTo(RollbackCause.ROLLBACK_CAUSE_DEADLINE_PASSED_WHILE_DOWN);
  }

  @Test
  void restoringAnEarlierGenerationIsAProvisionalApplyLikeAnyOther() {
    ApplyResponse first = pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 1, first.getNonce());
    ApplyResponse second = pipeline.apply(standard(2, 11, 20), TIMEOUT_MS, "");
    assertFails(
        () -> pipeline.restore(DVS_ID, 1, TIMEOUT_MS),
        ErrorCode.FAILED_PRECONDITION,
        "awaiting confirm");
    pipeline.confirm(DVS_ID, 2, second.getNonce());
    assertFails(
        () -> pipeline.restore(DVS_ID, 7, TIMEOUT_MS),
        ErrorCode.NOT_FOUND,
        "not in this host's history");

    ApplyResponse restored = pipeline.restore(DVS_ID, 1, TIMEOUT_MS);
    assertThat(restored.getAppliedGeneration()).isEqualTo(1);
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(1, 10));
    // Not confirmed: it goes back to the last confirmed generation, 2, like any apply.
    await()
        .atMost(Duration.ofMillis(TIMEOUT_MS + 1_000))
        .until(() -> pipeline.pending(DVS_ID).isEmpty());
    assertThat(backend.ports(DVS_ID)).isEqualTo(effective(2, 11));
    assertThat(pipeline.applied(DVS_ID).orElseThrow().generation()).isEqualTo(2);
  }

  @Test
  void anOperatorRollbackIsARowOfItsOwnAndLeavesTheRowOfItsGenerationAsItWas() {
    ApplyResponse first = pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 1, first.getNonce());
    HistoryEntry firstRow = store.historyEntry(DVS_ID, 1).orElseThrow();
    skewMs.addAndGet(1_000);
    ApplyResponse second = pipeline.apply(standard(2, 11, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 2, second.getNonce());
    skewMs.addAndGet(1_000);

    ApplyResponse restored = pipeline.restore(DVS_ID, 1, 60_000);
    restart(); // the pending rollback row is found again in the store
    pipeline.confirm(DVS_ID, 1, restored.getNonce());

    List<HistoryEntry> history = store.history(DVS_ID);
    assertThat(history).hasSize(3);
    HistoryEntry rollback = history.get(0);
    assertThat(rollback.getKind()).isEqualTo(HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK);
    assertThat(rollback.getGeneration()).isEqualTo(1);
    assertThat(rollback.getFromGeneration()).isEqualTo(2);
    assertThat(rollback.getReason()).isEqualTo(RollbackCause.ROLLBACK_CAUSE_OPERATOR);
    assertThat(rollback.getOutcome()).isEqualTo(ApplyOutcome.APPLY_OUTCOME_CONFIRMED);
    assertThat(rollback.getAppliedUnixMs()).isGreaterThan(firstRow.getAppliedUnixMs() + 1_500);
    assertThat(history.get(1).getGeneration()).isEqualTo(2);
    assertThat(history.get(1).getKind()).isEqualTo(HistoryEntryKind.HISTORY_ENTRY_KIND_APPLY);
    assertThat(history.get(2)).isEqualTo(firstRow); // its time and outcome untouched

    // A second rollback (back to 2) is another row, numbered next.
    ApplyResponse again = pipeline.restore(DVS_ID, 2, TIMEOUT_MS);
    pipeline.confirm(DVS_ID, 2, again.getNonce());
    assertThat(store.history(DVS_ID))
        .extracting(HistoryEntry::getKind, HistoryEntry::getGeneration, HistoryEntry::getSequence)
        .containsExactly(
            tuple(HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK, 2L, 2L),
            tuple(HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK, 1L, 1L),
            tuple(HistoryEntryKind.HISTORY_ENTRY_KIND_APPLY, 2L, 0L),
            tuple(HistoryEntryKind.HISTORY_ENTRY_KIND_APPLY, 1L, 0L));
  }

  @Test
  void anOperatorRollbackThatIsNotConfirmedIsUndoneOnItsOwnRow() {
    ApplyResponse first = pipeline.apply(standard(1, 10, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 1, first.getNonce());
    ApplyResponse second = pipeline.apply(standard(2, 11, 20), TIMEOUT_MS, "");
    pipeline.confirm(DVS_ID, 2, second.getNonce());

    pipeline.restore(DVS_ID, 1, TIMEOUT_MS);
    await()
        .atMost(Duration.ofMillis(TIMEOUT_MS + 1_000))
        .until(() -> pipeline.pending(DVS_ID).isEmpty());

    List<HistoryEntry> history = store.history(DVS_ID);
    assertThat(history.get(0).getKind()).isEqualTo(HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK);
    assertThat(history.get(0).getOutcome()).isEqualTo(ApplyOutcome.APPLY_OUTCOME_ROLLED_BACK);
    assertThat(history.get(0).getRollbackCause())
        .isEqualTo(RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT);
    assertThat(history)
        .filteredOn(e -> e.getKind() == HistoryEntryKind.HISTORY_ENTRY_KIND_APPLY)
        .extracting(HistoryEntry::getOutcome)
        .containsOnly(ApplyOutcome.APPLY_OUTCOME_CONFIRMED);
  }

  @Test
  void aPendingConfirmSurvivesARestartAndCanStillBeConfirmed() {
    ApplyResponse r = pipeline.apply(standard(1, 10, 20), 60_000, "");
    restart();
    assertThat(pipeline.pending(DVS_ID).orElseThrow().getNonce()).isEqualTo(r.getNonce());
    // A retried apply of the same generation gets the same nonce back.
    assertThat(pipeline.apply(standard(1, 10, 20), 60_000, "").getNonce()).isEqualTo(r.getNonce());
    pipeline.confirm(DVS_ID, 1, r.getNonce());
    assertThat(pipeline.confirmedGeneration(DVS_ID)).isEqualTo(1);
  }
}
