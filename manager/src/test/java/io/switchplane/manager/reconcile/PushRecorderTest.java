package io.switchplane.manager.reconcile;

import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_FAILED;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_IN_SYNC;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_OUT_OF_SYNC;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_ROLLED_BACK;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_UNREACHABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.grpc.Status;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.Event;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.manager.events.EventLog;
import io.switchplane.manager.reconcile.PushProtocol.ApplyFailed;
import io.switchplane.manager.reconcile.PushProtocol.Applying;
import io.switchplane.manager.reconcile.PushProtocol.AwaitingConfirm;
import io.switchplane.manager.reconcile.PushProtocol.Confirmed;
import io.switchplane.manager.reconcile.PushProtocol.Overdue;
import io.switchplane.manager.reconcile.PushProtocol.RolledBack;
import io.switchplane.rpc.metrics.Metrics;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the one writer of push status writes for each outcome: the book, the metrics, the events.
 */
class PushRecorderTest {
  private final HostStatusBook book = new HostStatusBook();
  private final Metrics metrics = new Metrics();
  private final EventLog events = new EventLog();
  private final PushRecorder recorder =
      new PushRecorder(
          book,
          new PushMetrics(metrics),
          events,
          new PushFixtures.Directory().put("h", "127.0.0.1:1"));
  private final Host host =
      Host.newBuilder().setId("h").setName("name-h").setEndpoint("127.0.0.1:1").build();

  PushRecorderTest() {
    recorder.committed("d", "dvs", 2, List.of("h"), Set.of("h"));
  }

  @Test
  void anApplyAndItsConfirmMakeTheHostInSyncWithOneEventEach() {
    recorder.record("d", "h", new Applying(2));
    recorder.record(
        "d",
        "h",
        new AwaitingConfirm(
            2,
            "n",
            9_000,
            ApplyResponse.newBuilder()
                .setAppliedGeneration(2)
                .setConfirmDeadlineUnixMs(9_000)
                .setSummary(ChangeSummary.newBuilder().setAdded(3))
                .setApplyMicros(70)
                .build()));
    recorder.record("d", "h", new Confirmed(2, 2, 1_500_000));

    HostPushStatus s = status();
    assertThat(s.getState()).isEqualTo(HOST_SYNC_STATE_IN_SYNC);
    assertThat(s.getAppliedGeneration()).isEqualTo(2);
    assertThat(s.getAttempts()).isEqualTo(1);
    assertThat(s.getLastSummary().getAdded()).isEqualTo(3);
    assertThat(events.recent())
        .extracting(Event::getKind, Event::getHostName, Event::getDetail)
        .containsExactly(
            tuple(EventKind.EVENT_KIND_APPLIED, "name-h", "+3 ~0 -0 in 70 us, confirm within 0 s"),
            tuple(
                EventKind.EVENT_KIND_CONFIRMED,
                "name-h",
                "confirmed 1500 us after the apply was sent"));
    assertThat(metrics.render())
        .contains(
            "switchplane_pushes_applied_total 1.0\n",
            "switchplane_confirms_total 1.0\n",
            "switchplane_push_latency_seconds_count 1");
  }

  @Test
  void aRollbackSaysWhatHappenedAndIsCountedByCause() {
    recorder.record(
        "d",
        "h",
        new RolledBack(
            2,
            RollbackEvent.newBuilder()
                .setGeneration(2)
                .setRestoredGeneration(1)
                .setCause(RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT)
                .build()));

    assertThat(status().getState()).isEqualTo(HOST_SYNC_STATE_ROLLED_BACK);
    assertThat(status().getLastError())
        .isEqualTo(
            "the host rolled generation 2 back to generation 1 (no confirm "
                + "reached it before the deadline: the change may have cut its management path); not pushed again: fix the "
                + "change and commit a new change set");
    assertThat(events.recent())
        .extracting(Event::getKind)
        .containsExactly(EventKind.EVENT_KIND_ROLLED_BACK);
    assertThat(metrics.render())
        .contains("switchplane_rollbacks_total{cause=\"confirm_timeout\"} 1.0\n");
  }

  @Test
  void aFailureToBeRetriedShowsOnlyInTheStatusAndOneThatStandsIsAnEvent() {
    ApplyFailure down = ApplyFailure.of(Status.UNAVAILABLE.asRuntimeException(), false, false);
    recorder.record("d", "h", new ApplyFailed(2, down, down.describe(2, 40)));
    assertThat(status().getState()).isEqualTo(HOST_SYNC_STATE_UNREACHABLE);
    assertThat(status().getLastError())
        .isEqualTo("agent unreachable (UNAVAILABLE); retrying in 40 ms");
    assertThat(events.recent()).isEmpty();

    recorder.record(
        "d",
        "h",
        new ApplyFailed(2, ApplyFailure.refusedAsOlder(), ApplyFailure.hostHoldsNewer(2, 5)));
    assertThat(status().getState()).isEqualTo(HOST_SYNC_STATE_FAILED);
    assertThat(events.recent())
        .extracting(Event::getKind)
        .containsExactly(EventKind.EVENT_KIND_PUSH_FAILED);
    assertThat(metrics.render())
        .contains(
            "switchplane_push_failures_total{state=\"unreachable\"} 1.0\n",
            "switchplane_push_failures_total{state=\"failed\"} 1.0\n");
  }

  @Test
  void anOverdueConfirmMakesTheHostUnreachableOnlyWhileItsApplyAwaitsIt() {
    recorder.record("d", "h", new AwaitingConfirm(2, "n", 9_000, null));
    recorder.record("d", "h", new Overdue(2, 9_000));

    assertThat(status().getState()).isEqualTo(HOST_SYNC_STATE_UNREACHABLE);
    assertThat(status().getLastError())
        .startsWith("no confirm of generation 2 reached the agent before its deadline");
  }

  @Test
  void driftIsAnEventOnceAndARectifyClearsIt() {
    recorder.record("d", "h", new AwaitingConfirm(2, "n", 9_000, null));
    recorder.record("d", "h", new Confirmed(2, 2, 1));
    HostPushStatus settled = status();

    recorder.driftChecked(settled, host, 2, List.of("p1"));
    recorder.driftChecked(status(), host, 2, List.of("p1")); // still drifted: no second event
    assertThat(status().getState()).isEqualTo(HOST_SYNC_STATE_OUT_OF_SYNC);
    assertThat(status().getLastError())
        .isEqualTo(
            "1 port(s) drifted on the switch [p1] (changed by hand?); "
                + "'switchplane host rectify name-h --dvs dvs' brings them back");

    recorder.rectified("d", host, 2, List.of("p1"));
    assertThat(status().getState()).isEqualTo(HOST_SYNC_STATE_IN_SYNC);
    assertThat(status().getLastError()).isEmpty();
    assertThat(events.recent())
        .extracting(Event::getKind, Event::getDetail)
        .containsExactly(
            tuple(EventKind.EVENT_KIND_CONFIRMED, "confirmed 0 us after the apply was sent"),
            tuple(
                EventKind.EVENT_KIND_PUSH_FAILED,
                "1 port(s) drifted on the switch [p1] (changed by hand?); "
                    + "'switchplane host rectify name-h --dvs dvs' brings them back"),
            tuple(EventKind.EVENT_KIND_PUSH_FAILED, "drift on [p1] rectified automatically"));
  }

  @Test
  void anOperatorsRollbackHoldsTheHostAndIsCountedAsTheOperators() {
    recorder.heldByOperator(
        "d", host, 1, ApplyResponse.newBuilder().setAppliedGeneration(1).build());

    assertThat(status().getState()).isEqualTo(HOST_SYNC_STATE_ROLLED_BACK);
    assertThat(status().getLastRollback().getCause())
        .isEqualTo(RollbackCause.ROLLBACK_CAUSE_OPERATOR);
    assertThat(status().getLastRollback().getGeneration()).isEqualTo(2);
    assertThat(status().getLastError()).startsWith("held at generation 1 by an operator");
    assertThat(metrics.render()).contains("switchplane_rollbacks_total{cause=\"operator\"} 1.0\n");
  }

  private HostPushStatus status() {
    return book.get("d", "h").orElseThrow();
  }
}
