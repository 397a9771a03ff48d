package io.switchplane.manager.reconcile;

import io.grpc.Status;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceFutureStub;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.manager.reconcile.PushProtocol.ApplyFailed;
import io.switchplane.manager.reconcile.PushProtocol.Applying;
import io.switchplane.manager.reconcile.PushProtocol.AwaitingConfirm;
import io.switchplane.manager.reconcile.PushProtocol.Probing;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the desired state of one (DVS, host) pair: at most one Apply in flight; a newer desired
 * state arriving meanwhile replaces any older one not yet sent (coalescing) and goes out when the
 * current one is done; failures are retried with exponential backoff where retrying can help. Every
 * successful Apply is provisional on the agent and is then confirmed (or, for an aborted atomic
 * change set, rolled back) by a {@link ConfirmCall}, a new call over the network as it is then,
 * which returns its outcome.
 *
 * <p>Two kinds of state, kept apart: the {@link Phase} says what this pusher does with its turn
 * (queued, in flight, waiting for a retry), the scheduling; each turn runs one attempt of the push
 * protocol ({@link PushProtocol}: probe or apply, confirm, outcome), whose states are recorded, and
 * only recorded, by the {@link PushRecorder}.
 *
 * <p>Phases: IDLE → QUEUED (waiting for a dispatcher slot) → IN_FLIGHT → CONFIRMING → IDLE; atomic:
 * IN_FLIGHT → AWAITING_DECISION → CONFIRMING; failures: WAITING_RETRY → QUEUED. A host that rolled
 * back stays IDLE with its state ROLLED_BACK until a newer desired state arrives. All fields, and
 * the state of {@link #retries}, are guarded by this; no lock is held across a call, the dispatcher
 * or the recorder. The probe's answer is read by {@link ProbeAnswer}, a failed Apply by {@link
 * ApplyFailure}.
 */
final class HostPusher implements PushDispatcher.Task {
  private static final Logger LOG = LoggerFactory.getLogger(HostPusher.class);

  enum Phase {
    IDLE,
    QUEUED,
    IN_FLIGHT,
    AWAITING_DECISION,
    CONFIRMING,
    WAITING_RETRY
  }

  private final String dvsId;
  private final String hostId;
  private final PushContext ctx;
  private final RetryBackoff retries;

  private Phase phase = Phase.IDLE;

  /** The newest desired state and how it goes out. */
  private HostSwitchState latest;

  private PushIntent latestIntent = PushIntent.BEST_EFFORT;

  /** Whether the next start asks the agent what it has (GetState) before pushing. */
  private boolean probe;

  /**
   * Whether the agent refused latest as older than what it holds and was asked once what that is:
   * an installer may have put the same content in out of band at a later generation (in sync), else
   * the refusal stands.
   */
  private boolean askedAboutNewer;

  private boolean retired;

  /** The atomic apply waiting for its decision, while AWAITING_DECISION. */
  private ConfirmCall awaiting;

  HostPusher(String dvsId, String hostId, PushContext ctx) {
    this.dvsId = dvsId;
    this.hostId = hostId;
    this.ctx = ctx;
    this.retries = new RetryBackoff(ctx.scheduler(), ctx.initialBackoff(), ctx.maxBackoff());
  }

  String dvsId() {
    return dvsId;
  }

  String hostId() {
    return hostId;
  }

  /**
   * Makes desired the state to push, sent as intent says. Older than the newest known state:
   * ignored. probeFirst: ask the agent first and push only when its content differs (used when
   * taking over leadership). Only queues: the caller drains the dispatcher.
   *
   * @return false when this pusher is retired: the caller must use a fresh one
   */
  boolean submit(HostSwitchState desired, boolean probeFirst, PushIntent intent) {
    boolean enqueue = false;
    synchronized (this) {
      if (retired) {
        return false;
      }
      if (latest != null && generation(desired) < generation(latest)) {
        return true;
      }
      latest = desired;
      latestIntent = intent;
      probe = probeFirst;
      askedAboutNewer = false;
      retries.reset(); // a new desired state deserves a prompt try
      if (phase == Phase.WAITING_RETRY) {
        retries.cancel();
        phase = Phase.IDLE;
      }
      if (phase == Phase.IDLE) {
        phase = Phase.QUEUED;
        enqueue = true;
      }
      // Otherwise latest is picked up when the current step ends.
    }
    if (enqueue) {
      ctx.dispatcher().offer(this);
    }
    return true;
  }

  /**
   * Stops pushing (leadership lost): retries cancelled, queued work dropped; calls in flight end
   * alone.
   */
  synchronized void halt() {
    retries.cancel();
    awaiting = null;
    if (phase != Phase.IN_FLIGHT && phase != Phase.CONFIRMING) {
      phase = Phase.IDLE;
    }
  }

  /**
   * Stops for good: this pusher's pair is no longer pushed by it (and its results are not
   * recorded).
   */
  synchronized void retire() {
    retired = true;
    halt();
  }

  /** Retires this pusher when its newest desired state is a tombstone that went through. */
  synchronized boolean retireIfTombstoned() {
    if (phase == Phase.IDLE && latest != null && !latest.getMember()) {
      retire();
      return true;
    }
    return false;
  }

  /** The atomic decision for the apply awaiting it: confirm (commit) or roll back (abort). */
  void decide(long generation, boolean commit) {
    ConfirmCall call;
    synchronized (this) {
      if (phase != Phase.AWAITING_DECISION
          || awaiting == null
          || awaiting.generation() != generation) {
        return; // this host did not apply that generation: nothing to confirm or undo here
      }
      call = awaiting;
      awaiting = null;
      phase = Phase.CONFIRMING;
    }
    if (commit) {
      call.confirm();
    } else {
      call.rollback();
    }
  }

  synchronized boolean isActiveAndCurrent(HostSwitchState sent) {
    return !retired && ctx.active().getAsBoolean() && latest == sent;
  }

  /** Whether this pusher's calls go on: its results are still recorded and the engine leads. */
  private synchronized boolean live() {
    return !retired && ctx.active().getAsBoolean();
  }

  @Override
  public boolean start() {
    HostSwitchState state;
    PushIntent intent;
    boolean asking;
    boolean retrying;
    synchronized (this) {
      if (phase != Phase.QUEUED) {
        return false; // a stale queue entry (halted, or already started)
      }
      if (retired || !ctx.active().getAsBoolean()) {
        phase = Phase.IDLE;
        return false;
      }
      phase = Phase.IN_FLIGHT;
      state = latest;
      intent = latestIntent;
      asking = probe;
      probe = false;
      retrying = retries.retrying();
    }
    PushProtocol attempt = new PushProtocol(dvsId, hostId, generation(state), ctx.recorder());
    try {
      Optional<Host> host = ctx.hosts().host(hostId);
      if (host.isEmpty()) {
        failed(
            attempt,
            state,
            intent,
            Status.NOT_FOUND.asRuntimeException(),
            "host "
                + hostId
                + " is not registered: register it again or remove it from the DVS (not retried automatically)");
        return true;
      }
      String endpoint =
          host.get().getEndpoint(); // once per attempt: its confirm goes to the same agent
      if (retrying) {
        ctx.channels()
            .resetConnectBackoff(
                endpoint); // the agent may be back: dial now, not after gRPC's backoff
      }
      HostAgentServiceFutureStub stub =
          ctx.channels()
              .futureStub(endpoint)
              .withDeadlineAfter(ctx.callDeadline().toNanos(), TimeUnit.NANOSECONDS);
      if (asking) {
        attempt.advance(new Probing(generation(state)));
        AgentCalls.on(
            stub.getState(GetStateRequest.newBuilder().setDvsId(dvsId).build()),
            response -> probed(attempt, endpoint, state, response),
            t -> probeFailed(attempt, endpoint, state, t));
      } else {
        attempt.advance(new Applying(generation(state)));
        long sentNanos = System.nanoTime();
        AgentCalls.on(
            stub.apply(
                ApplyRequest.newBuilder()
                    .setDesired(state)
                    .setConfirmTimeoutMs((int) intent.confirmTimeoutMs())
                    .build()),
            response -> applied(attempt, endpoint, state, intent, response, sentNanos),
            t -> failed(attempt, state, intent, t, null));
      }
    } catch (RuntimeException e) {
      // A bug or a closed channel cache: record it as a failure rather than losing the slot.
      failed(
          attempt,
          state,
          intent,
          Status.INTERNAL.withCause(e).asRuntimeException(),
          "push could not start: " + e);
    }
    return true;
  }

  private void probeFailed(
      PushProtocol attempt, String endpoint, HostSwitchState wanted, Throwable t) {
    Status.Code code = Status.fromThrowable(t).getCode();
    if (code != Status.Code.NOT_FOUND) {
      LOG.debug("GetState of DVS {} on host {} failed ({}); pushing", dvsId, hostId, code);
    }
    probed(attempt, endpoint, wanted, null);
  }

  /** GetState answered; response is null when the agent has nothing (or could not tell). */
  private void probed(
      PushProtocol attempt, String endpoint, HostSwitchState wanted, GetStateResponse response) {
    ProbeAnswer answer = ProbeAnswer.read(wanted, response);
    ProbeAnswer.Verdict verdict;
    boolean current;
    synchronized (this) {
      phase = Phase.IDLE;
      current = latest == wanted;
      verdict = answer.verdict(!retired && ctx.active().getAsBoolean(), current, askedAboutNewer);
      if (verdict == ProbeAnswer.Verdict.RESOLVE_PENDING) {
        phase = Phase.CONFIRMING;
      } else if (verdict == ProbeAnswer.Verdict.PUSH) {
        phase = Phase.QUEUED; // probe stays false unless a newer submit asked for one
      }
    }
    PushProtocol.Outcome settled = answer.outcome(verdict);
    if (settled != null) {
      attempt.advance(settled);
    }
    ConfirmCall finish = null;
    if (verdict == ProbeAnswer.Verdict.RESOLVE_PENDING) {
      AwaitingConfirm provisional = answer.awaitingConfirm();
      attempt.advance(provisional);
      finish =
          new ConfirmCall(
              ctx, attempt, endpoint, this::live, wanted, provisional, System.nanoTime());
      // A stale pending undone: check the agent and push the newest state after it, even if it is
      // the one sent.
      boolean thenPush = !answer.inSync(current);
      finish.outcome().thenAccept(end -> confirmEnded(wanted, end, thenPush));
    }
    ctx.dispatcher().release();
    if (finish != null) {
      finish.watchDeadline();
      if (answer.holdsWanted()) {
        LOG.info(
            "host {}: confirming generation {} of DVS {} left pending",
            hostId,
            finish.generation(),
            dvsId);
        finish.confirm();
      } else {
        LOG.info(
            "host {}: rolling back generation {} of DVS {} left pending; it is not the desired state",
            hostId,
            finish.generation(),
            dvsId);
        finish.rollback();
      }
    }
    if (verdict == ProbeAnswer.Verdict.PUSH) {
      ctx.dispatcher().enqueue(this);
    }
  }

  private void applied(
      PushProtocol attempt,
      String endpoint,
      HostSwitchState sent,
      PushIntent intent,
      ApplyResponse response,
      long sentNanos) {
    AwaitingConfirm provisional =
        new AwaitingConfirm(
            response.getAppliedGeneration(),
            response.getNonce(),
            response.getConfirmDeadlineUnixMs(),
            response);
    ConfirmCall call =
        new ConfirmCall(ctx, attempt, endpoint, this::live, sent, provisional, sentNanos);
    call.outcome().thenAccept(end -> confirmEnded(sent, end, false));
    boolean record;
    boolean atomic;
    synchronized (this) {
      retries.reset();
      record = !retired;
      atomic = intent.atomic() && latest == sent && record;
      if (atomic) {
        phase = Phase.AWAITING_DECISION;
        awaiting = call;
      } else {
        phase = Phase.CONFIRMING;
      }
    }
    if (record) {
      attempt.advance(provisional);
      call.watchDeadline();
    }
    ctx.dispatcher().release();
    if (atomic) {
      intent.round().applied(hostId);
    } else {
      call.confirm();
    }
  }

  /**
   * A ConfirmCall of sent ended with end. A kept tombstone retires the pusher; thenPush: check the
   * agent and push the newest state even if it is sent, when sent was not kept (a stale pending
   * apply was just undone).
   */
  private void confirmEnded(HostSwitchState sent, PushProtocol.Outcome end, boolean thenPush) {
    boolean again = thenPush && !end.kept();
    boolean requeue = false;
    synchronized (this) {
      phase = Phase.IDLE;
      if (!retired && ctx.active().getAsBoolean() && (latest != sent || again)) {
        phase = Phase.QUEUED;
        probe = again;
        requeue = true;
      }
    }
    if (requeue) {
      ctx.dispatcher().enqueue(this);
    } else if (end.kept() && !sent.getMember()) {
      ctx.tombstoneApplied().accept(this);
    }
  }

  /**
   * An Apply failed; message overrides the description made from the status (null: describe it).
   */
  private void failed(
      PushProtocol attempt, HostSwitchState sent, PushIntent intent, Throwable t, String message) {
    ApplyFailure failure = ApplyFailure.of(t, message != null, intent.atomic());
    boolean requeue = false;
    boolean record;
    boolean stillLatest;
    long delayMs = 0;
    synchronized (this) {
      record = !retired;
      // Read under the lock, as submit writes it: the round below is told only about the newest
      // state.
      stillLatest = latest == sent;
      phase = Phase.IDLE;
      boolean active = !retired && ctx.active().getAsBoolean();
      if (active && stillLatest && failure.hostNewer() && !askedAboutNewer && !intent.atomic()) {
        askedAboutNewer =
            true; // ask what it holds: the same content is in sync, anything else fails in probed
        phase = Phase.QUEUED;
        probe = true;
        requeue = true;
        record = false;
      } else if (active && !stillLatest) {
        phase = Phase.QUEUED; // a newer state supersedes the failed one: push it now
        requeue = true;
        retries.reset();
      } else if (active && failure.retryable()) {
        probe = failure.probeBeforeRetry();
        delayMs = scheduleRetry();
      }
    }
    String error = message != null ? message : failure.describe(generation(sent), delayMs);
    if (record) {
      attempt.advance(new ApplyFailed(generation(sent), failure, error));
    }
    LOG.debug(
        "push of DVS {} generation {} to host {} failed: {}",
        dvsId,
        generation(sent),
        hostId,
        error);
    ctx.dispatcher().release();
    if (record && intent.atomic() && stillLatest) {
      intent.round().failed(hostId, error);
    }
    if (requeue) {
      ctx.dispatcher().enqueue(this);
    }
  }

  /**
   * Schedules retryNow after the next backoff step; returns the delay (0 when the engine is
   * closing). Lock held.
   */
  private long scheduleRetry() {
    try {
      long delayMs = retries.schedule(this::retryNow);
      phase = Phase.WAITING_RETRY;
      return delayMs;
    } catch (RejectedExecutionException e) {
      LOG.debug(
          "push engine closed: no retry for host {}", hostId, e); // closing raced this completion
      return 0;
    }
  }

  private void retryNow() {
    synchronized (this) {
      if (phase != Phase.WAITING_RETRY || retired) {
        return;
      }
      retries.fired();
      phase = Phase.QUEUED;
    }
    ctx.dispatcher().enqueue(this);
  }

  static long generation(HostSwitchState state) {
    return state == null ? 0 : state.getDvs().getGeneration();
  }

  @Override
  public String toString() {
    return "HostPusher[dvs=" + dvsId + ", host=" + hostId + "]";
  }
}
