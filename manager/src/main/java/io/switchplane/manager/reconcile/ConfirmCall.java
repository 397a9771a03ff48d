package io.switchplane.manager.reconcile;

import io.switchplane.common.text.EnumLabels;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceFutureStub;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.api.v1.RollbackRequest;
import io.switchplane.api.v1.RollbackResponse;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second half of a commit-confirmed push to one host: sends Confirm (or Rollback) for one
 * provisional apply as a new call, retrying quickly while the agent's deadline has not passed.
 * When it cannot be delivered (the change may have cut the host off), it asks the agent, as
 * soon as the agent answers again, what became of the generation (GetState): confirmed, still
 * pending, or rolled back with its cause. The outcome goes to the status book and the events,
 * then back to the pusher ({@link HostPusher#confirmEnded}), once.
 *
 * <p>Once the agent's deadline passed with no outcome ({@link #watchDeadline}) the host is
 * UNREACHABLE: it has rolled back by itself. From then on the agent is asked every
 * {@link #VERIFY_MAX_MS} at most, each time on a fresh connection when the last call timed out
 * (a path that drops packets leaves a channel READY on a dead connection), so its rollback is
 * learned within about a second of any path to it working again.
 */
final class ConfirmCall {
  private static final Logger LOG = LoggerFactory.getLogger(ConfirmCall.class);
  private static final long FIRST_RETRY_MS = 50;
  private static final long MAX_RETRY_MS = 500;
  /** Longest wait between two questions to an agent whose outcome is unknown: learning it is cheap and urgent. */
  static final long VERIFY_MAX_MS = 1_000;
  /** Deadline of one such question: a GetState answers in milliseconds when the path works. */
  private static final long VERIFY_DEADLINE_MS = 2_000;
  /** Slack past the agent's deadline for a confirm call: a later one cannot help. */
  private static final long CONFIRM_SLACK_MS = 500;

  private final HostPusher pusher;
  private final PushContext ctx;
  private final HostSwitchState sent;
  private final long generation;
  private final String nonce;
  private final long deadlineMs;
  /** When the Apply was sent: the push latency runs from there to the confirm. */
  private final long startedNanos;
  /** Whether the pusher checks and pushes its desired state again once this call ended (a stale pending undone). */
  private final boolean thenPush;
  private long retryMs;
  /** Set by the first outcome: the book, the events and the pusher hear of it once. */
  private final AtomicBoolean ended = new AtomicBoolean();
  /** Whether a GetState loop runs: the deadline watch and a failed call may both start one. */
  private final AtomicBoolean verifying = new AtomicBoolean();
  /** Confirm (true) or Rollback (false) once decided; null while an atomic apply awaits its decision. */
  private volatile Boolean decision;

  ConfirmCall(HostPusher pusher, HostSwitchState sent, long generation, String nonce,
      long deadlineMs, boolean thenPush, long startedNanos) {
    this.pusher = pusher;
    this.startedNanos = startedNanos;
    this.thenPush = thenPush;
    this.ctx = pusher.ctx();
    this.sent = sent;
    this.generation = generation;
    this.nonce = nonce;
    this.deadlineMs = deadlineMs;
  }

  long generation() {
    return generation;
  }

  /**
   * At the agent's deadline, if no outcome is known yet, marks the host UNREACHABLE and asks the
   * agent what happened (a confirm stuck on a silent path would otherwise hold the host
   * AWAITING_CONFIRM for its whole call deadline).
   */
  void watchDeadline() {
    later(() -> {
      if (ended.get() || !live()) {
        return;
      }
      ctx.book().confirmOverdue(pusher.dvsId(), pusher.hostId(), deadlineMs, String.format("no confirm of generation "
          + "%d reached the agent before its deadline: it has rolled back by itself unless it kept the change on a "
          + "host-local management port; asking it as soon as it answers", generation), System.currentTimeMillis());
      Boolean keep = decision;
      if (keep != null) { // undecided: the decision's own call asks the agent when it fails
        startVerify(keep);
      }
    }, Math.max(0, deadlineMs - System.currentTimeMillis()));
  }

  /** Sends Confirm: the host keeps the generation. */
  void confirm() {
    call(true);
  }

  /** Sends Rollback: the host restores its last confirmed state now. */
  void rollback() {
    call(false);
  }

  private void call(boolean keep) {
    decision = keep;
    if (!live()) {
      return;
    }
    try {
      if (keep) {
        ListenableFuture<ConfirmResponse> f = decisionStub().confirm(ConfirmRequest.newBuilder().setDvsId(pusher.dvsId())
            .setGeneration(generation).setNonce(nonce).build());
        AgentCalls.on(f, r -> confirmed(), t -> undelivered(true, t));
      } else {
        ListenableFuture<RollbackResponse> f = decisionStub().rollback(RollbackRequest.newBuilder()
            .setDvsId(pusher.dvsId()).setGeneration(generation).setNonce(nonce).build());
        AgentCalls.on(f, r -> rolledBack(r.getEvent()), t -> undelivered(false, t));
      }
    } catch (RuntimeException e) {
      undelivered(keep, e);
    }
  }

  private void undelivered(boolean keep, Throwable t) {
    Status status = Status.fromThrowable(t);
    if (!live()) {
      return;
    }
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      ctx.channels().redial(endpoint()); // a retry, or the GetState after it, goes over a fresh connection
    }
    if (PushFailures.unreachable(status.getCode()) && System.currentTimeMillis() < deadlineMs) {
      retryMs = retryMs == 0 ? FIRST_RETRY_MS : Math.min(retryMs * 2, MAX_RETRY_MS);
      ctx.book().note(pusher.dvsId(), pusher.hostId(), String.format("%s of generation %d not delivered (%s); "
          + "retrying until the agent's deadline", keep ? "confirm" : "rollback", generation, status.getCode()));
      later(() -> call(keep), retryMs);
      return;
    }
    // Past the deadline, or the agent says it has nothing pending: ask it what happened.
    LOG.debug("host {}: {} of generation {} failed ({}); asking the agent", pusher.hostId(),
        keep ? "confirm" : "rollback", generation, status);
    startVerify(keep);
  }

  /** A stub whose call ends soon after the agent's deadline: past it, only GetState can tell what happened. */
  private HostAgentServiceFutureStub decisionStub() {
    long leftMs = deadlineMs + CONFIRM_SLACK_MS - System.currentTimeMillis();
    long callMs = Math.max(FIRST_RETRY_MS, Math.min(ctx.callDeadline().toMillis(), leftMs));
    return pusher.stub().withDeadlineAfter(callMs, TimeUnit.MILLISECONDS);
  }

  private void startVerify(boolean keep) {
    if (verifying.compareAndSet(false, true)) {
      verify(keep, ctx.initialBackoff().toMillis());
    }
  }

  /** Asks the agent what became of the generation; while it is unreachable, asks again with backoff. */
  private void verify(boolean keep, long nextDelayMs) {
    if (!live()) {
      return;
    }
    ListenableFuture<GetStateResponse> f;
    try {
      f = pusher.stub().withDeadlineAfter(Math.min(VERIFY_DEADLINE_MS, ctx.callDeadline().toMillis()),
          TimeUnit.MILLISECONDS).getState(GetStateRequest.newBuilder().setDvsId(pusher.dvsId()).build());
    } catch (RuntimeException e) {
      unreachable(keep, nextDelayMs, Status.fromThrowable(e));
      return;
    }
    AgentCalls.on(f, r -> {
      if (r.hasLastRollback() && r.getLastRollback().getGeneration() == generation
          && r.getLastRollback().getCause() == RollbackCause.ROLLBACK_CAUSE_MANAGEMENT_ON_HOST_LOCAL) {
        degraded(r.getLastRollback(), r.getHostLocalManagement());
      } else if (r.hasLastRollback() && r.getLastRollback().getGeneration() == generation
          && !(r.hasPending() && r.getPending().getGeneration() == generation)) {
        rolledBack(r.getLastRollback());
      } else if (r.hasPending() && r.getPending().getGeneration() == generation) {
        verifying.set(false);
        later(() -> call(keep), FIRST_RETRY_MS); // reachable again before its deadline: deliver it now
      } else if (r.getConfirmedGeneration() >= generation) {
        confirmed(); // our confirm had arrived; only its answer was lost
      } else {
        ended(HostSyncState.HOST_SYNC_STATE_FAILED, "generation " + generation + " is neither pending nor confirmed "
            + "on the agent (it is at generation " + r.getConfirmedGeneration() + "); commit a new change set");
      }
    }, t -> {
      Status status = Status.fromThrowable(t);
      if (status.getCode() == Status.Code.NOT_FOUND && !sent.getMember() && keep) {
        confirmed(); // a confirmed removal: the agent no longer has the switch
      } else if (status.getCode() == Status.Code.NOT_FOUND) {
        ended(HostSyncState.HOST_SYNC_STATE_FAILED, "the agent has no state for the DVS after generation "
            + generation + " (" + status.getDescription() + "); commit a new change set");
      } else {
        unreachable(keep, nextDelayMs, status);
      }
    });
  }

  private void unreachable(boolean keep, long delayMs, Status status) {
    ctx.book().failed(pusher.dvsId(), pusher.hostId(), HostSyncState.HOST_SYNC_STATE_UNREACHABLE, String.format(
        "the %s of generation %d did not reach the agent and the agent is unreachable (%s); unless confirmed it "
            + "rolls back by itself at %d; waiting for it to answer again", keep ? "confirm" : "rollback", generation,
        status.getCode(), deadlineMs), System.currentTimeMillis());
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      ctx.channels().redial(endpoint()); // the connection may be dead without knowing it
    } else {
      ctx.channels().resetConnectBackoff(endpoint());
    }
    later(() -> verify(keep, Math.min(delayMs * 2, Math.min(VERIFY_MAX_MS, ctx.maxBackoff().toMillis()))), delayMs);
  }

  private void confirmed() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    long nanos = System.nanoTime() - startedNanos;
    long micros = TimeUnit.NANOSECONDS.toMicros(nanos);
    ctx.metrics().confirms.inc();
    ctx.metrics().latency.observeNanos(nanos);
    ctx.book().pushed(pusher.dvsId(), pusher.hostId(), generation, null, System.currentTimeMillis(),
        HostPusher.generation(sent));
    ctx.events().record(EventKind.EVENT_KIND_CONFIRMED, pusher.dvsId(), pusher.hostId(), pusher.hostName(), generation,
        "confirmed " + micros + " us after the apply was sent");
    pusher.confirmEnded(sent, true, false);
  }

  private void rolledBack(RollbackEvent event) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    String message = describe(event);
    ctx.metrics().rollbacks.inc(EnumLabels.metric(event.getCause(), "ROLLBACK_CAUSE_"));
    ctx.book().rolledBack(pusher.dvsId(), pusher.hostId(), event, message, System.currentTimeMillis());
    ctx.events().record(EventKind.EVENT_KIND_ROLLED_BACK, pusher.dvsId(), pusher.hostId(), pusher.hostName(),
        generation, message);
    pusher.confirmEnded(sent, false, thenPush);
  }

  private void degraded(RollbackEvent event, String port) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    String message = String.format("generation %d kept without a confirm: the change cut the management path, so the "
        + "agent moved its management address onto a host-local clone of port %s with its last good settings; fix "
        + "that port and commit: the clone then goes away", generation, port.isEmpty() ? "(management)" : port);
    ctx.book().degraded(pusher.dvsId(), pusher.hostId(), generation, event, message, System.currentTimeMillis());
    ctx.metrics().rollbacks.inc("management_on_host_local");
    ctx.events().record(EventKind.EVENT_KIND_ROLLED_BACK, pusher.dvsId(), pusher.hostId(), pusher.hostName(),
        generation, message);
    pusher.confirmEnded(sent, true, false);
  }

  private void ended(HostSyncState state, String message) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    ctx.book().failed(pusher.dvsId(), pusher.hostId(), state, message, System.currentTimeMillis());
    ctx.events().record(EventKind.EVENT_KIND_PUSH_FAILED, pusher.dvsId(), pusher.hostId(), pusher.hostName(),
        generation, message);
    pusher.confirmEnded(sent, false, thenPush);
  }

  /** What the operator reads for a rollback: what happened and what to do. */
  static String describe(RollbackEvent event) {
    String cause = switch (event.getCause()) {
      case ROLLBACK_CAUSE_CONFIRM_TIMEOUT -> "no confirm reached it before the deadline: the change may have cut "
          + "its management path";
      case ROLLBACK_CAUSE_DEADLINE_PASSED_WHILE_DOWN -> "the agent was down past the confirm deadline";
      case ROLLBACK_CAUSE_REQUESTED -> "the manager asked for it (atomic change set aborted)";
      case ROLLBACK_CAUSE_OPERATOR -> "an operator asked for it";
      case ROLLBACK_CAUSE_MANAGEMENT_ON_HOST_LOCAL -> "not undone: management moved to a host-local clone";
      default -> event.getCause().name();
    };
    String advice = event.getCause() == RollbackCause.ROLLBACK_CAUSE_REQUESTED ? ""
        : "; not pushed again: fix the change and commit a new change set";
    return String.format("the host rolled generation %d back to generation %d (%s)%s", event.getGeneration(),
        event.getRestoredGeneration(), cause, advice);
  }

  private boolean live() {
    return pusher.isRecorded() && ctx.active().getAsBoolean();
  }

  private String endpoint() {
    return ctx.hosts().host(pusher.hostId()).map(h -> h.getEndpoint()).orElse("");
  }

  private void later(Runnable task, long delayMs) {
    try {
      ctx.scheduler().schedule(task, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("push engine closed: no confirm retry for host {}", pusher.hostId(), e);
    }
  }
}
