package io.switchplane.manager.reconcile;

import io.grpc.Status;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.StageTiming;
import io.switchplane.common.retry.Backoff;
import io.switchplane.manager.reconcile.PushProtocol.ApplyFailed;
import io.switchplane.manager.reconcile.PushProtocol.AwaitingConfirm;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
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
 * <p>Two kinds of state, kept apart. The scheduling is this class's: its {@link Phase} says what
 * the pusher does with its turn, and only the phase, the newest state and the retry live here. Each
 * turn runs one attempt of the push protocol, a {@link PushProtocol} that holds what is sent, where
 * and how, and whose states (probe or apply, confirm, outcome) are recorded, and only recorded, by
 * the {@link PushRecorder}. The probe's answer is read by {@link ProbeAnswer}, a failed Apply by
 * {@link ApplyFailure}.
 *
 * <p>Phases: IDLE → QUEUED (waiting for a dispatcher slot) → IN_FLIGHT → CONFIRMING → IDLE; atomic:
 * IN_FLIGHT → AWAITING_DECISION → CONFIRMING; failures: WAITING_RETRY → QUEUED. A host that rolled
 * back stays IDLE with its state ROLLED_BACK until a newer desired state arrives. All fields are
 * guarded by this; no lock is held across a call, the dispatcher or the recorder.
 */
final class HostPusher implements PushDispatcher.Task {
  private static final Logger LOG = LoggerFactory.getLogger(HostPusher.class);
  private static final double JITTER = 0.2;

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

  /** The delays between tries of a failed push; reset by a new desired state or a success. */
  private final Backoff backoff;

  /** The retry scheduled, while WAITING_RETRY. */
  private ScheduledFuture<?> retry;

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

  /**
   * A decision that came before this host's answer to the apply it decides: the round decides as
   * soon as one host fails, and this host's answer may still be on its way. Used by that answer.
   */
  private Decision early;

  private record Decision(long generation, boolean commit) {}

  HostPusher(String dvsId, String hostId, PushContext ctx) {
    this.dvsId = dvsId;
    this.hostId = hostId;
    this.ctx = ctx;
    // Jitter spreads the retries of many hosts that failed together (a rack going down).
    this.backoff = new Backoff(ctx.initialBackoff(), ctx.maxBackoff(), JITTER);
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
      if (latest != null && PushProtocol.generation(desired) < PushProtocol.generation(latest)) {
        return true;
      }
      latest = desired;
      latestIntent = intent;
      probe = probeFirst;
      askedAboutNewer = false;
      backoff.reset(); // a new desired state deserves a prompt try
      if (phase == Phase.WAITING_RETRY) {
        cancelRetry();
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
    cancelRetry();
    awaiting = null;
    early = null;
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
        // Its answer is not in yet (or never comes: then this is never used).
        early = new Decision(generation, commit);
        return;
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
      retrying = backoff.retrying();
    }
    PushProtocol attempt = null;
    try {
      Optional<Host> host =
          ctx.hosts().host(hostId); // once per attempt: its confirm goes there too
      attempt = attempt(state, intent, host.map(Host::getEndpoint).orElse(""));
      if (host.isEmpty()) {
        failed(
            attempt,
            Status.NOT_FOUND.asRuntimeException(),
            "host "
                + hostId
                + " is not registered: register it again or remove it from the DVS (not retried automatically)");
      } else {
        begin(attempt, asking, retrying);
      }
    } catch (RuntimeException e) {
      // A bug or a closed channel cache: record it as a failure rather than losing the slot.
      failed(
          attempt != null ? attempt : attempt(state, intent, ""),
          Status.INTERNAL.withCause(e).asRuntimeException(),
          "push could not start: " + e);
    }
    return true;
  }

  private PushProtocol attempt(HostSwitchState state, PushIntent intent, String endpoint) {
    return new PushProtocol(dvsId, hostId, state, intent, endpoint, ctx.recorder());
  }

  /** The attempt's first call: GetState when asking, else the Apply; redial after a failure. */
  private void begin(PushProtocol attempt, boolean asking, boolean redial) {
    if (asking) {
      attempt.probe(ctx, redial, response -> probed(attempt, response));
    } else {
      long sentNanos = System.nanoTime();
      attempt.apply(
          ctx, redial, r -> applied(attempt, r, sentNanos), t -> failed(attempt, t, null));
    }
  }

  /** GetState answered; response is null when the agent has nothing (or could not tell). */
  private void probed(PushProtocol attempt, GetStateResponse response) {
    HostSwitchState wanted = attempt.sent();
    ProbeAnswer answer = ProbeAnswer.read(wanted, response);
    ProbeAnswer.Verdict verdict;
    boolean current;
    synchronized (this) {
      phase = Phase.IDLE;
      current = latest == wanted;
      verdict = answer.verdict(live(), current, askedAboutNewer);
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
      finish = new ConfirmCall(ctx, attempt, this::live, provisional, System.nanoTime());
      // A stale pending undone: check the agent and push the newest state after it, even if it is
      // the one sent.
      boolean thenPush = !answer.inSync(current);
      finish.outcome().thenAccept(end -> confirmEnded(wanted, end, thenPush));
    }
    ctx.dispatcher().release();
    if (finish != null) {
      finish.resolvePending(answer.holdsWanted());
    }
    if (verdict == ProbeAnswer.Verdict.PUSH) {
      ctx.dispatcher().enqueue(this);
    }
  }

  private void applied(PushProtocol attempt, ApplyResponse response, long sentNanos) {
    if (ctx.stages().enabled()) {
      record(response, sentNanos);
    }
    HostSwitchState sent = attempt.sent();
    AwaitingConfirm provisional =
        new AwaitingConfirm(
            response.getAppliedGeneration(),
            response.getNonce(),
            response.getConfirmDeadlineUnixMs(),
            response);
    ConfirmCall call = new ConfirmCall(ctx, attempt, this::live, provisional, sentNanos);
    call.outcome().thenAccept(end -> confirmEnded(sent, end, false));
    boolean record;
    boolean atomic;
    Decision decided = null;
    synchronized (this) {
      backoff.reset();
      record = !retired;
      // An atomic apply waits for its round's decision even when a newer state is waiting: the
      // round decides within its deadline, and confirming here would keep a generation the round
      // may have aborted.
      atomic = attempt.intent().atomic() && record;
      if (atomic && early != null && early.generation() == call.generation()) {
        decided = early;
        early = null;
        phase = Phase.CONFIRMING;
      } else if (atomic) {
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
    if (!atomic || (decided != null && decided.commit())) {
      call.confirm();
    } else if (decided != null) {
      call.rollback();
    } else {
      attempt.intent().round().applied(hostId);
    }
  }

  /** The Apply's round trip, split into the agent's stages and the rest. */
  private void record(ApplyResponse response, long sentNanos) {
    PushStages stages = ctx.stages();
    long roundTrip = (System.nanoTime() - sentNanos) / 1000;
    // apply_micros ends before the agent persists; its stages run to the answer.
    long agent = 0;
    for (StageTiming t : response.getStagesList()) {
      agent += t.getMicros();
    }
    if (agent == 0) {
      agent = response.getApplyMicros();
    }
    stages.record(PushStages.SEND_ANSWER, Math.max(0, roundTrip - agent));
    stages.record(PushStages.AGENT, agent);
    for (StageTiming t : response.getStagesList()) {
      stages.record(PushStages.agentStage(t.getStage()), t.getMicros());
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
      if (live() && (latest != sent || again)) {
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
  private void failed(PushProtocol attempt, Throwable t, String message) {
    PushIntent intent = attempt.intent();
    ApplyFailure failure = ApplyFailure.of(t, message != null, intent.atomic());
    boolean requeue = false;
    boolean record;
    boolean stillLatest;
    long delayMs = 0;
    synchronized (this) {
      record = !retired;
      // Read under the lock, as submit writes it: the round below is told only about the newest
      // state.
      stillLatest = latest == attempt.sent();
      phase = Phase.IDLE;
      boolean active = live();
      if (active && stillLatest && failure.hostNewer() && !askedAboutNewer && !intent.atomic()) {
        // Ask what it holds: the same content is in sync, anything else fails in probed.
        askedAboutNewer = true;
        phase = Phase.QUEUED;
        probe = true;
        requeue = true;
        record = false;
      } else if (active && !stillLatest) {
        phase = Phase.QUEUED; // a newer state supersedes the failed one: push it now
        requeue = true;
        backoff.reset();
      } else if (active && failure.retryable()) {
        probe = failure.probeBeforeRetry();
        delayMs = scheduleRetry();
      }
    }
    String error = message != null ? message : failure.describe(attempt.generation(), delayMs);
    if (record) {
      attempt.advance(new ApplyFailed(attempt.generation(), failure, error));
    }
    LOG.debug(
        "push of DVS {} generation {} to host {} failed: {}",
        dvsId,
        attempt.generation(),
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
   * Schedules retryNow after the next backoff step and returns its delay (0 when the engine is
   * closing: the backoff has advanced all the same). Lock held.
   */
  private long scheduleRetry() {
    long delayMs = backoff.nextMs();
    try {
      retry = ctx.scheduler().schedule(this::retryNow, delayMs, TimeUnit.MILLISECONDS);
      phase = Phase.WAITING_RETRY;
      return delayMs;
    } catch (RejectedExecutionException e) {
      // Closing raced this completion.
      LOG.debug("push engine closed: no retry for host {}", hostId, e);
      return 0;
    }
  }

  private void retryNow() {
    synchronized (this) {
      if (phase != Phase.WAITING_RETRY || retired) {
        return;
      }
      retry = null;
      phase = Phase.QUEUED;
    }
    ctx.dispatcher().enqueue(this);
  }

  /** Lock held. */
  private void cancelRetry() {
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
  }

  @Override
  public String toString() {
    return "HostPusher[dvs=" + dvsId + ", host=" + hostId + "]";
  }
}
