package io.switchplane.manager.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.manager.events.EventLog;
import io.switchplane.manager.reconcile.PushProtocol.ApplyFailed;
import io.switchplane.manager.reconcile.PushProtocol.Applying;
import io.switchplane.manager.reconcile.PushProtocol.AwaitingConfirm;
import io.switchplane.manager.reconcile.PushProtocol.Confirmed;
import io.switchplane.manager.reconcile.PushProtocol.Degraded;
import io.switchplane.manager.reconcile.PushProtocol.Failed;
import io.switchplane.manager.reconcile.PushProtocol.InSync;
import io.switchplane.manager.reconcile.PushProtocol.Overdue;
import io.switchplane.manager.reconcile.PushProtocol.Probing;
import io.switchplane.manager.reconcile.PushProtocol.RolledBack;
import io.switchplane.manager.reconcile.PushProtocol.Starting;
import io.switchplane.manager.reconcile.PushProtocol.State;
import io.switchplane.manager.reconcile.PushProtocol.Unreachable;
import io.switchplane.rpc.metrics.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The push protocol's transitions, one by one, and what the machine does with a move it refuses.
 */
class PushProtocolTest {
  private static final RollbackEvent TIMEOUT =
      RollbackEvent.newBuilder()
          .setGeneration(2)
          .setRestoredGeneration(1)
          .setCause(RollbackCause.ROLLBACK_CAUSE_CONFIRM_TIMEOUT)
          .build();

  private static final HostSwitchState SENT =
      HostSwitchState.newBuilder().setDvs(Dvs.newBuilder().setId("d").setGeneration(2)).build();

  /** One state of every type. */
  private static final Map<String, State> ONE_OF_EACH = new LinkedHashMap<>();

  static {
    ONE_OF_EACH.put("Starting", new Starting(2));
    ONE_OF_EACH.put("Probing", new Probing(2));
    ONE_OF_EACH.put("Applying", new Applying(2));
    ONE_OF_EACH.put("AwaitingConfirm", new AwaitingConfirm(2, "n", 9_000, null));
    ONE_OF_EACH.put("Overdue", new Overdue(2, 9_000));
    ONE_OF_EACH.put("Unreachable", new Unreachable(2, "down"));
    ONE_OF_EACH.put("InSync", new InSync(1, 2));
    ONE_OF_EACH.put("Confirmed", new Confirmed(2, 2, 1_000));
    ONE_OF_EACH.put("RolledBack", new RolledBack(2, TIMEOUT));
    ONE_OF_EACH.put("Degraded", new Degraded(2, TIMEOUT, "mgmt"));
    ONE_OF_EACH.put("Failed", new Failed(2, "gone"));
    ONE_OF_EACH.put("ApplyFailed", new ApplyFailed(2, ApplyFailure.refusedAsOlder(), "refused"));
  }

  /** The protocol as its Javadoc draws it: every move not listed is refused. */
  private static final Map<String, Set<String>> LEGAL =
      Map.of(
          "Starting", Set.of("Probing", "Applying", "ApplyFailed"),
          "Probing", Set.of("InSync", "RolledBack", "ApplyFailed", "AwaitingConfirm"),
          "Applying", Set.of("AwaitingConfirm", "ApplyFailed"),
          "AwaitingConfirm",
              Set.of("Overdue", "Unreachable", "Confirmed", "RolledBack", "Degraded", "Failed"),
          "Overdue", Set.of("Unreachable", "Confirmed", "RolledBack", "Degraded", "Failed"),
          "Unreachable", Set.of("Unreachable", "Confirmed", "RolledBack", "Degraded", "Failed"));

  @Test
  void everyMoveIsLegalExactlyWhenTheProtocolListsIt() {
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, State> from : ONE_OF_EACH.entrySet()) {
      for (Map.Entry<String, State> to : ONE_OF_EACH.entrySet()) {
        boolean expected = LEGAL.getOrDefault(from.getKey(), Set.of()).contains(to.getKey());
        if (PushProtocol.legal(from.getValue(), to.getValue()) != expected) {
          wrong.add(from.getKey() + " -> " + to.getKey() + (expected ? " refused" : " allowed"));
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void everyLegalMoveIsTakenAndRecorded() {
    for (Map.Entry<String, Set<String>> from : LEGAL.entrySet()) {
      for (String to : from.getValue()) {
        Fixture f = new Fixture();
        PushProtocol attempt = f.attemptIn(from.getKey());
        assertThat(attempt.advance(ONE_OF_EACH.get(to))).as(from.getKey() + " -> " + to).isTrue();
        assertThat(attempt.state()).isEqualTo(ONE_OF_EACH.get(to));
        assertThat(attempt.settled())
            .isEqualTo(ONE_OF_EACH.get(to) instanceof PushProtocol.Outcome);
      }
    }
  }

  @Test
  void aRefusedMoveChangesNothingAndRecordsNothing() {
    Fixture f = new Fixture();
    PushProtocol attempt = f.attemptIn("Applying");
    int events = f.events.recent().size();
    String status = f.book.get("d", "h").orElseThrow().toString();

    assertThat(attempt.advance(new Confirmed(2, 2, 1)))
        .isFalse(); // no Confirm before the agent applied anything

    assertThat(attempt.state()).isInstanceOf(Applying.class);
    assertThat(f.events.recent()).hasSize(events);
    assertThat(f.book.get("d", "h").orElseThrow().toString()).isEqualTo(status);
  }

  @Test
  void theFirstOutcomeWinsAndALateQuestionCannotMakeAConfirmedHostUnreachable() {
    Fixture f = new Fixture();
    PushProtocol attempt = f.attemptIn("AwaitingConfirm");

    assertThat(attempt.advance(new Confirmed(2, 2, 1_000))).isTrue();
    assertThat(attempt.advance(new RolledBack(2, TIMEOUT))).isFalse();
    assertThat(attempt.advance(new Unreachable(2, "a GetState timed out"))).isFalse();
    assertThat(attempt.note("retrying")).isFalse();

    assertThat(f.book.get("d", "h").orElseThrow().getState())
        .isEqualTo(HostSyncState.HOST_SYNC_STATE_IN_SYNC);
    assertThat(f.events.recent())
        .extracting(e -> e.getKind())
        .containsOnlyOnce(EventKind.EVENT_KIND_CONFIRMED)
        .doesNotContain(EventKind.EVENT_KIND_ROLLED_BACK);
  }

  @Test
  void aNoteWhileTheConfirmIsRetriedKeepsTheState() {
    Fixture f = new Fixture();
    PushProtocol attempt = f.attemptIn("AwaitingConfirm");

    assertThat(attempt.note("confirm of generation 2 not delivered (UNAVAILABLE)")).isTrue();

    assertThat(f.book.get("d", "h").orElseThrow().getState())
        .isEqualTo(HostSyncState.HOST_SYNC_STATE_AWAITING_CONFIRM);
    assertThat(f.book.get("d", "h").orElseThrow().getLastError()).contains("not delivered");
  }

  /** A recorder over a book that tracks host h of DVS d at generation 2. */
  private static final class Fixture {
    final HostStatusBook book = new HostStatusBook();
    final EventLog events = new EventLog();
    final PushRecorder recorder =
        new PushRecorder(
            book,
            new PushMetrics(new Metrics()),
            events,
            new PushFixtures.Directory().put("h", "127.0.0.1:1"));

    Fixture() {
      recorder.committed("d", "dvs", 2, List.of("h"), Set.of("h"));
    }

    /** A new attempt, moved along a legal path into the state named. */
    PushProtocol attemptIn(String name) {
      PushProtocol attempt =
          new PushProtocol("d", "h", SENT, PushIntent.BEST_EFFORT, "127.0.0.1:1", recorder);
      List<String> path =
          switch (name) {
            case "Starting" -> List.of();
            case "Probing" -> List.of("Probing");
            case "Applying" -> List.of("Applying");
            case "AwaitingConfirm" -> List.of("Applying", "AwaitingConfirm");
            case "Overdue" -> List.of("Applying", "AwaitingConfirm", "Overdue");
            case "Unreachable" -> List.of("Applying", "AwaitingConfirm", "Unreachable");
            default -> throw new IllegalArgumentException(name);
          };
      for (String step : path) {
        State s =
            step.equals("AwaitingConfirm")
                ? new AwaitingConfirm(
                    2, "n", 9_000, ApplyResponse.newBuilder().setAppliedGeneration(2).build())
                : ONE_OF_EACH.get(step);
        assertThat(attempt.advance(s)).as(step).isTrue();
      }
      return attempt;
    }
  }
}
