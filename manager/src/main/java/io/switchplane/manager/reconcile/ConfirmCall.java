package io.switchplane.manager.reconcile;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.PushOwner;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.api.v1.RollbackRequest;
import io.switchplane.api.v1.RollbackResponse;
import io.switchplane.common.retry.Backoff;
import io.switchplane.manager.agents.PushStream;
import io.switchplane.manager.reconcile.PushProtocol.AwaitingConfirm;
import io.switchplane.manager.reconcile.PushProtocol.Confirmed;
import io.switchplane.manager.reconcile.PushProtocol.Degraded;
import io.switchplane.manager.reconcile.PushProtocol.Failed;
import io.switchplane.manager.reconcile.PushProtocol.Outcome;
import io.switchplane.manager.reconcile.PushProtocol.Overdue;
import io.switchplane.manager.reconcile.PushProtocol.RolledBack;
import io.switchplane.manager.reconcile.PushProtocol.Unreachable;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second half of a commit-confirmed push to one host: sends Confirm (or Rollback) for one
 * provisional apply as a new call, retrying quickly while the agent's deadline has not passed. When
 * it cannot be delivered (the change may have cut the host off), it asks the agent, as soon as the
 * agent answers again, what became of the generation (GetState): confirmed, still pending, or
 * rolled back with its cause. It moves its attempt's {@link PushProtocol} (which records every
 * state) and returns the outcome through {@link #outcome()}, once; it knows nothing of the pusher
 * that started it.
 *
 * <p>Once the agent's deadline passed with no outcome ({@link #watchDeadline}) the host is
 * UNREACHABLE: it has rolled back by itself. From then on the agent is asked every {@link
 * #VERIFY_MAX_MS} at most, each time on a fresh connection when the last call timed out (a path
 * that drops packets leaves a channel READY on a dead connection), so its rollback is learned
 * within about a second of any path to it working again.
 */
final class ConfirmCall {
  private static final Logger LOG = LoggerFactory.getLogger(ConfirmCall.class);
  private static final long FIRST_RETRY_MS = 50;
  private static final long MAX_RETRY_MS = 500;

  /**
   * Longest wait between two questions to an agent whose outcome is unknown: learning it is cheap
   * and urgent.
   */
  static final long VERIFY_MAX_MS = 1_000;

  /** Deadline of one such question: a GetState answers in milliseconds when the path works. */
  private static final long VERIFY_DEADLINE_MS = 2_000;

  /** Slack past the agent's deadline for a confirm call: a later one cannot help. */
  private static final long CONFIRM_SLACK_MS = 500;

  private final PushContext ctx;
  private final PushProtocol attempt;

  /** The host's agent, looked up once when the attempt started. */
  private final String endpoint;

  /** Whether calls may still be made: the pusher still records its results and the engine leads. */
  private final BooleanSupplier live;

  private final long generation;
  private final String nonce;
  private final long deadlineMs;

  /** When the Apply was sent: the push latency runs from there to the confirm. */
  private final long startedNanos;

  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

  /** The confirm's (or rollback's) quick retries while the agent's deadline has not passed. */
  private final Backoff redelivery =
      new Backoff(Duration.ofMillis(FIRST_RETRY_MS), Duration.ofMillis(MAX_RETRY_MS));

  /** The questions to an agent whose outcome is unknown, from the first again for every loop. */
  private final Backoff questions;

  /** Whether a GetState loop runs: the deadline watch and a failed call may both start one. */
  private final AtomicBoolean verifying = new AtomicBoolean();

  /**
   * Confirm (true) or Rollback (false) once decided; null while an atomic apply awaits its
   * decision.
   */
  private volatile Boolean decision;

  /** When the last Confirm was sent (for the breakdown). */
  private volatile long confirmSentNanos;

  /** For the apply that attempt awaits the confirm of (pending); sends nothing yet. */
  ConfirmCall(
      PushContext ctx,
      PushProtocol attempt,
      BooleanSupplier live,
      AwaitingConfirm pending,
      long startedNanos) {
    this.ctx = ctx;
    this.attempt = attempt;
    this.endpoint = attempt.endpoint();
    this.live = live;
    long capMs = Math.min(VERIFY_MAX_MS, ctx.maxBackoff().toMillis());
    this.questions =
        new Backoff(
            ctx.initialBackoff(),
            Duration.ofMillis(Math.max(capMs, ctx.initialBackoff().toMillis())));
    this.generation = pending.generation();
    this.nonce = pending.nonce();
    this.deadlineMs = pending.deadlineMs();
    this.startedNanos = startedNanos;
  }

  long generation() {
    return generation;
  }

  /**
   * Completes once with how the confirm or rollback ended (Confirmed, RolledBack, Degraded or
   * Failed).
   */
  CompletableFuture<Outcome> outcome() {
    return outcome;
  }

  /**
   * At the agent's deadline, if no outcome is known yet, marks the host UNREACHABLE and asks the
   * agent what happened (a confirm stuck on a silent path would otherwise hold the host
   * AWAITING_CONFIRM for its whole call deadline).
   */
  void watchDeadline() {
    later(
        () -> {
          if (attempt.settled() || !live()) {
            return;
          }
          attempt.advance(new Overdue(generation, deadlineMs));
          Boolean keep = decision;
          if (keep != null) { // undecided: the decision's own call asks the agent when it fails
            startVerify(keep);
          }
        },
        Math.max(0, deadlineMs - System.currentTimeMillis()));
  }

  /** Sends Confirm: the host keeps the generation. */
  void confirm() {
    call(true);
  }

  /** Sends Rollback: the host restores its last confirmed state now. */
  void rollback() {
    call(false);
  }

  /**
   * Resolves an apply a probe found left pending (by an earlier leader, or a confirm whose answer
   * was lost): keeps it when the host holds the wanted content (keep), else rolls it back.
   */
  void resolvePending(boolean keep) {
    watchDeadline();
    LOG.info(
        keep
            ? "host {}: confirming generation {} of DVS {} left pending"
            : "host {}: rolling back generation {} of DVS {} left pending; it is not the desired"
                + " state",
        attempt.hostId(),
        generation,
        attempt.dvsId());
    call(keep);
  }

  private void call(boolean keep) {
    decision = keep;
    if (!live()) {
      return;
    }
    try {
      Optional<PushOwner> owner = ctx.owners().of(attempt.dvsId());
      if (owner.isEmpty()) {
        undelivered(keep, PushOwners.notOwner(attempt.dvsId()));
        return;
      }
      if (keep) {
        confirmSentNanos = System.nanoTime();
        ListenableFuture<ConfirmResponse> f =
            stream()
                .confirm(
                    ConfirmRequest.newBuilder()
                        .setDvsId(attempt.dvsId())
                        .setGeneration(generation)
                        .setNonce(nonce)
                        .setOwner(owner.get())
                        .build(),
                    decisionDeadlineMs());
        AgentCalls.on(
            f,
            r -> {
              ctx.stages()
                  .record(PushStages.CONFIRM, (System.nanoTime() - confirmSentNanos) / 1000);
              confirmed();
            },
            t -> undelivered(true, t));
      } else {
        ListenableFuture<RollbackResponse> f =
            stream()
                .rollback(
                    RollbackRequest.newBuilder()
                        .setDvsId(attempt.dvsId())
                        .setGeneration(generation)
                        .setNonce(nonce)
                        .setOwner(owner.get())
                        .build(),
                    decisionDeadlineMs());
        AgentCalls.on(
            f, r -> settle(new RolledBack(generation, r.getEvent())), t -> undelivered(false, t));
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
      ctx.channels()
          .redial(endpoint); // a retry, or the GetState after it, goes over a fresh connection
    }
    if (ApplyFailure.unreachable(status.getCode()) && System.currentTimeMillis() < deadlineMs) {
      long retryMs = redelivery.nextMs();
      attempt.note(
          String.format(
              "%s of generation %d not delivered (%s); retrying until the agent's deadline",
              keep ? "confirm" : "rollback", generation, status.getCode()));
      later(() -> call(keep), retryMs);
      return;
    }
    // Past the deadline, or the agent says it has nothing pending: ask it what happened.
    LOG.debug(
        "host {}: {} of generation {} failed ({}); asking the agent",
        attempt.hostId(),
        keep ? "confirm" : "rollback",
        generation,
        status);
    startVerify(keep);
  }

  /**
   * How long a confirm or rollback waits for its answer: until soon after the agent's deadline,
   * past which only GetState can tell what happened.
   */
  private long decisionDeadlineMs() {
    long leftMs = deadlineMs + CONFIRM_SLACK_MS - System.currentTimeMillis();
    return Math.max(FIRST_RETRY_MS, Math.min(ctx.callDeadline().toMillis(), leftMs));
  }

  /** The agent's push stream: a fresh one after {@code redial} ended the last. */
  private PushStream stream() {
    return ctx.channels().pushStream(endpoint);
  }

  private void startVerify(boolean keep) {
    if (verifying.compareAndSet(false, true)) {
      questions.reset();
      verify(keep);
    }
  }

  /**
   * Asks the agent what became of the generation; while it is unreachable, asks again with backoff.
   */
  private void verify(boolean keep) {
    if (!live()) {
      return;
    }
    ListenableFuture<GetStateResponse> f;
    try {
      f =
          stream()
              .getState(
                  GetStateRequest.newBuilder().setDvsId(attempt.dvsId()).build(),
                  Math.min(VERIFY_DEADLINE_MS, ctx.callDeadline().toMillis()));
    } catch (RuntimeException e) {
      unreachable(keep, Status.fromThrowable(e));
      return;
    }
    AgentCalls.on(
        f,
        r -> {
          if (r.hasLastRollback()
              && r.getLastRollback().getGeneration() == generation
              && r.getLastRollback().getCause()
                  == RollbackCause.ROLLBACK_CAUSE_MANAGEMENT_ON_HOST_LOCAL) {
            settle(new Degraded(generation, r.getLastRollback(), r.getHostLocalManagement()));
          } else if (r.hasLastRollback()
              && r.getLastRollback().getGeneration() == generation
              && !(r.hasPending() && r.getPending().getGeneration() == generation)) {
            settle(new RolledBack(generation, r.getLastRollback()));
          } else if (r.hasPending() && r.getPending().getGeneration() == generation) {
            verifying.set(false);
            later(
                () -> call(keep),
                FIRST_RETRY_MS); // reachable again before its deadline: deliver it now
          } else if (r.getConfirmedGeneration() >= generation) {
            confirmed(); // our confirm had arrived; only its answer was lost
          } else {
            settle(
                new Failed(
                    generation,
                    "generation "
                        + generation
                        + " is neither pending nor confirmed on the agent "
                        + "(it is at generation "
                        + r.getConfirmedGeneration()
                        + "); commit a new change set"));
          }
        },
        t -> {
          Status status = Status.fromThrowable(t);
          if (status.getCode() == Status.Code.NOT_FOUND && !attempt.sent().getMember() && keep) {
            confirmed(); // a confirmed removal: the agent no longer has the switch
          } else if (status.getCode() == Status.Code.NOT_FOUND) {
            settle(
                new Failed(
                    generation,
                    "the agent has no state for the DVS after generation "
                        + generation
                        + " ("
                        + status.getDescription()
                        + "); commit a new change set"));
          } else {
            unreachable(keep, status);
          }
        });
  }

  private void unreachable(boolean keep, Status status) {
    if (!attempt.advance(
        new Unreachable(
            generation,
            String.format(
                "the %s of generation %d did not reach the agent "
                    + "and the agent is unreachable (%s); unless confirmed it rolls back by itself at %d; waiting for it to answer "
                    + "again",
                keep ? "confirm" : "rollback", generation, status.getCode(), deadlineMs)))) {
      return; // the outcome came meanwhile (the decision's own call got through): nothing left to
      // ask
    }
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      ctx.channels().redial(endpoint); // the connection may be dead without knowing it
    } else {
      ctx.channels().resetConnectBackoff(endpoint);
    }
    later(() -> verify(keep), questions.nextMs());
  }

  private void confirmed() {
    Confirmed end =
        new Confirmed(generation, attempt.generation(), System.nanoTime() - startedNanos);
    if (attempt.advance(end)) {
      ctx.stages().record(PushStages.HOST_PUSH, end.latencyNanos() / 1000);
      outcome.complete(end);
    }
  }

  /**
   * The first outcome moves the attempt and is returned; any later one is refused by the protocol.
   */
  private void settle(Outcome end) {
    if (attempt.advance(end)) {
      outcome.complete(end);
    }
  }

  private boolean live() {
    return live.getAsBoolean();
  }

  private void later(Runnable task, long delayMs) {
    try {
      ctx.scheduler().schedule(task, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("push engine closed: no confirm retry for host {}", attempt.hostId(), e);
    }
  }
}
