package io.switchplane.manager.reconcile;

import io.switchplane.common.text.EnumLabels;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Status;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceFutureStub;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackEvent;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the desired state of one (DVS, host) pair: at most one Apply in flight; a newer desired
 * state arriving meanwhile replaces any older one not yet sent (coalescing) and goes out when
 * the current one is done; failures are retried with exponential backoff where retrying can help.
 * Every successful Apply is provisional on the agent and is then confirmed (or, for an aborted
 * atomic change set, rolled back) by a {@link ConfirmCall}, a new call over the network as it is
 * then.
 *
 * <p>Phases: IDLE → QUEUED (waiting for a dispatcher slot) → IN_FLIGHT → CONFIRMING → IDLE;
 * atomic: IN_FLIGHT → AWAITING_DECISION → CONFIRMING; failures: WAITING_RETRY → QUEUED. A host
 * that rolled back stays IDLE with its state ROLLED_BACK until a newer desired state arrives.
 * All fields are guarded by this; no lock is held across a call, the dispatcher or the book.
 */
final class HostPusher implements PushDispatcher.Task {
  private static final Logger LOG = LoggerFactory.getLogger(HostPusher.class);

  enum Phase { IDLE, QUEUED, IN_FLIGHT, AWAITING_DECISION, CONFIRMING, WAITING_RETRY }

  private final String dvsId;
  private final String hostId;
  private final PushContext ctx;

  private Phase phase = Phase.IDLE;
  /** The newest desired state and how it goes out. */
  private HostSwitchState latest;
  private PushIntent latestIntent = PushIntent.BEST_EFFORT;
  /** Whether the next start asks the agent what it has (GetState) before pushing. */
  private boolean probe;
  /**
   * Whether the agent refused latest as older than what it holds and was asked once what that
   * is: an installer may have put the same content in out of band at a later generation (in
   * sync), else the refusal stands.
   */
  private boolean askedAboutNewer;
  private long backoffMs;
  private ScheduledFuture<?> retry;
  private boolean retired;
  /** The atomic apply waiting for its decision, while AWAITING_DECISION. */
  private ConfirmCall awaiting;

  HostPusher(String dvsId, String hostId, PushContext ctx) {
    this.dvsId = dvsId;
    this.hostId = hostId;
    this.ctx = ctx;
  }

  String dvsId() {
    return dvsId;
  }

  String hostId() {
    return hostId;
  }

  PushContext ctx() {
    return ctx;
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
      backoffMs = 0; // a new desired state deserves a prompt try
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

  /** Stops pushing (leadership lost): retries cancelled, queued work dropped; calls in flight end alone. */
  synchronized void halt() {
    cancelRetry();
    awaiting = null;
    if (phase != Phase.IN_FLIGHT && phase != Phase.CONFIRMING) {
      phase = Phase.IDLE;
    }
  }

  /** Stops for good: this pusher's pair is no longer pushed by it (and its results are not recorded). */
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
      if (phase != Phase.AWAITING_DECISION || awaiting == null || awaiting.generation() != generation) {
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

  synchronized boolean isRecorded() {
    return !retired;
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
      retrying = backoffMs > 0;
    }
    try {
      Optional<Host> host = ctx.hosts().host(hostId);
      if (host.isEmpty()) {
        failed(state, intent, Status.NOT_FOUND.asRuntimeException(), "host " + hostId
            + " is not registered: register it again or remove it from the DVS (not retried automatically)");
        return true;
      }
      String endpoint = host.get().getEndpoint();
      if (retrying) {
        ctx.channels().resetConnectBackoff(endpoint); // the agent may be back: dial now, not after gRPC's backoff
      }
      HostAgentServiceFutureStub stub = stub();
      if (asking) {
        ListenableFuture<GetStateResponse> f = stub.getState(GetStateRequest.newBuilder().setDvsId(dvsId).build());
        Futures.addCallback(f, new FutureCallback<>() {
          @Override
          public void onSuccess(GetStateResponse response) {
            probed(state, intent, response);
          }

          @Override
          public void onFailure(Throwable t) {
            Status.Code code = Status.fromThrowable(t).getCode();
            if (code != Status.Code.NOT_FOUND) {
              LOG.debug("GetState of DVS {} on host {} failed ({}); pushing", dvsId, hostId, code);
            }
            probed(state, intent, null);
          }
        }, MoreExecutors.directExecutor());
      } else {
        ctx.book().pushing(dvsId, hostId);
        long sentNanos = System.nanoTime();
        ListenableFuture<ApplyResponse> f = stub.apply(ApplyRequest.newBuilder().setDesired(state)
            .setConfirmTimeoutMs((int) intent.confirmTimeoutMs()).build());
        Futures.addCallback(f, new FutureCallback<>() {
          @Override
          public void onSuccess(ApplyResponse response) {
            applied(state, intent, response, sentNanos);
          }

          @Override
          public void onFailure(Throwable t) {
            failed(state, intent, t, null);
          }
        }, MoreExecutors.directExecutor());
      }
    } catch (RuntimeException e) {
      // A bug or a closed channel cache: record it as a failure rather than losing the slot.
      failed(state, intent, Status.INTERNAL.withCause(e).asRuntimeException(), "push could not start: " + e);
    }
    return true;
  }

  /** A stub for this host with the engine's per-call deadline. */
  HostAgentServiceFutureStub stub() {
    String endpoint = ctx.hosts().host(hostId).map(Host::getEndpoint)
        .orElseThrow(() -> new IllegalStateException("host " + hostId + " is not registered"));
    return ctx.channels().futureStub(endpoint).withDeadlineAfter(ctx.callDeadline().toNanos(), TimeUnit.NANOSECONDS);
  }

  /** GetState answered; response is null when the agent has nothing (or could not tell). */
  private void probed(HostSwitchState wanted, PushIntent intent, GetStateResponse response) {
    HostSwitchState applied = response != null && response.hasApplied() ? response.getApplied() : null;
    PendingConfirm pending = response != null && response.hasPending() ? response.getPending() : null;
    RollbackEvent undone = response != null && response.hasLastRollback()
        && response.getLastRollback().getGeneration() == generation(wanted) ? response.getLastRollback() : null;
    boolean inSync = false;
    boolean requeue = false;
    boolean rolledBack = false;
    boolean refusedAsOlder = false;
    ConfirmCall finish = null;
    synchronized (this) {
      phase = Phase.IDLE;
      if (!retired && ctx.active().getAsBoolean()) {
        boolean same = latest == wanted && DesiredStateBuilder.sameContent(applied, wanted);
        if (pending == null && undone != null && !same && latest == wanted) {
          rolledBack = true; // the host applied and undid exactly this generation: never pushed again blindly
        } else if (pending != null) {
          // Left pending by a previous leader (or a lost confirm): keep it if it is what we want, else undo it.
          phase = Phase.CONFIRMING;
          finish = new ConfirmCall(this, wanted, pending.getGeneration(), pending.getNonce(),
              pending.getDeadlineUnixMs(), !same, System.nanoTime());
        } else if (same) {
          inSync = true;
        } else if (askedAboutNewer && latest == wanted) {
          refusedAsOlder = true; // other content at a newer generation: the agent's refusal stands
        } else {
          phase = Phase.QUEUED; // probe stays false unless a newer submit asked for one
          requeue = true;
        }
      }
    }
    if (rolledBack) {
      String message = ConfirmCall.describe(undone);
      ctx.book().rolledBack(dvsId, hostId, undone, message, System.currentTimeMillis());
      ctx.metrics().rollbacks.inc(EnumLabels.metric(undone.getCause(), "ROLLBACK_CAUSE_"));
      ctx.events().record(EventKind.EVENT_KIND_ROLLED_BACK, dvsId, hostId, hostName(), generation(wanted), message);
    }
    if (refusedAsOlder) {
      String error = PushFailures.hostHoldsNewer(generation(wanted), generation(applied));
      ctx.book().failed(dvsId, hostId, HostSyncState.HOST_SYNC_STATE_FAILED, error, System.currentTimeMillis());
      ctx.metrics().failures.inc("failed");
      ctx.events().record(EventKind.EVENT_KIND_PUSH_FAILED, dvsId, hostId, hostName(), generation(wanted), error);
    }
    if (inSync) {
      ctx.book().alreadyInSync(dvsId, hostId, generation(applied), generation(wanted));
      LOG.debug("host {} already has DVS {} content at generation {}", hostId, dvsId, generation(applied));
    }
    ctx.dispatcher().release();
    if (finish != null) {
      if (DesiredStateBuilder.sameContent(applied, wanted)) {
        LOG.info("host {}: confirming generation {} of DVS {} left pending", hostId, finish.generation(), dvsId);
        finish.confirm();
      } else {
        LOG.info("host {}: rolling back generation {} of DVS {} left pending; it is not the desired state",
            hostId, finish.generation(), dvsId);
        finish.rollback();
      }
    }
    if (requeue) {
      ctx.dispatcher().enqueue(this);
    }
  }

  private void applied(HostSwitchState sent, PushIntent intent, ApplyResponse response, long sentNanos) {
    long generation = response.getAppliedGeneration();
    ConfirmCall call = new ConfirmCall(this, sent, generation, response.getNonce(),
        response.getConfirmDeadlineUnixMs(), false, sentNanos);
    ctx.metrics().applies.inc();
    boolean record;
    boolean atomic;
    synchronized (this) {
      backoffMs = 0;
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
      ctx.book().unclaimed(dvsId, hostId, response.getUnclaimedNamespacesList());
      ctx.book().awaitingConfirm(dvsId, hostId, generation, response.getSummary(), System.currentTimeMillis(),
          response.getConfirmDeadlineUnixMs());
      if (!response.getAlreadyApplied()) {
        ctx.events().record(EventKind.EVENT_KIND_APPLIED, dvsId, hostId, hostName(), generation, String.format(
            "+%d ~%d -%d in %d us, confirm by %d", response.getSummary().getAdded(), response.getSummary().getUpdated(),
            response.getSummary().getRemoved(), response.getApplyMicros(), response.getConfirmDeadlineUnixMs()));
      }
    }
    ctx.dispatcher().release();
    if (atomic) {
      intent.round().applied(hostId);
    } else {
      call.confirm();
    }
  }

  /**
   * A ConfirmCall ended. tombstoneDone: sent was confirmed (a confirmed tombstone retires the
   * pusher); again: check the agent and push the newest state even if it is sent (a stale
   * pending apply was just undone).
   */
  void confirmEnded(HostSwitchState sent, boolean tombstoneDone, boolean again) {
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
    } else if (tombstoneDone && !sent.getMember()) {
      ctx.tombstoneApplied().accept(this);
    }
  }

  /** An Apply failed; message overrides the description made from the status (null: describe it). */
  private void failed(HostSwitchState sent, PushIntent intent, Throwable t, String message) {
    Status status = Status.fromThrowable(t);
    Status.Code code = status.getCode();
    boolean unreachable = PushFailures.unreachable(code);
    // A pending confirm left on the agent (an older leader's) blocks the apply until it is resolved: probe next.
    boolean blocked = code == Status.Code.FAILED_PRECONDITION && status.getDescription() != null
        && status.getDescription().contains("awaiting confirm");
    boolean retryable = message == null && (blocked || PushFailures.retryable(code)) && !intent.atomic();
    boolean hostNewer = message == null && PushFailures.hostHoldsNewer(status);
    boolean requeue = false;
    boolean record;
    long delayMs = 0;
    synchronized (this) {
      record = !retired;
      phase = Phase.IDLE;
      boolean active = !retired && ctx.active().getAsBoolean();
      if (active && latest == sent && hostNewer && !askedAboutNewer && !intent.atomic()) {
        askedAboutNewer = true; // ask what it holds: the same content is in sync, anything else fails in probed
        phase = Phase.QUEUED;
        probe = true;
        requeue = true;
        record = false;
      } else if (active && latest != sent) {
        phase = Phase.QUEUED; // a newer state supersedes the failed one: push it now
        requeue = true;
        backoffMs = 0;
      } else if (active && retryable) {
        // Unreachable: the Apply may have been done and its answer lost (the change may have cut
        // the path). Ask first, so that a generation the host rolled back is not pushed again.
        probe = blocked || unreachable;
        delayMs = scheduleRetry(this::retryNow);
      }
    }
    String error = message != null ? message : PushFailures.describe(generation(sent), status, retryable, delayMs);
    if (record) {
      ctx.book().failed(dvsId, hostId,
          unreachable ? HostSyncState.HOST_SYNC_STATE_UNREACHABLE : HostSyncState.HOST_SYNC_STATE_FAILED,
          error, System.currentTimeMillis());
      ctx.metrics().failures.inc(unreachable ? "unreachable" : "failed");
      if (!retryable) {
        ctx.events().record(EventKind.EVENT_KIND_PUSH_FAILED, dvsId, hostId, hostName(), generation(sent), error);
      }
    }
    LOG.debug("push of DVS {} generation {} to host {} failed: {}", dvsId, generation(sent), hostId, error);
    ctx.dispatcher().release();
    if (record && intent.atomic() && latest == sent) {
      intent.round().failed(hostId, error);
    }
    if (requeue) {
      ctx.dispatcher().enqueue(this);
    }
  }

  /** Schedules task after the next backoff step; returns the delay (0 when the engine is closing). Lock held. */
  private long scheduleRetry(Runnable task) {
    backoffMs = backoffMs == 0 ? ctx.initialBackoff().toMillis() : Math.min(backoffMs * 2, ctx.maxBackoff().toMillis());
    // Jitter spreads the retries of many hosts that failed together (a rack going down).
    long delayMs = Math.max(1, backoffMs - ThreadLocalRandom.current().nextLong(backoffMs / 5 + 1));
    try {
      retry = ctx.scheduler().schedule(task, delayMs, TimeUnit.MILLISECONDS);
      phase = Phase.WAITING_RETRY;
      return delayMs;
    } catch (RejectedExecutionException e) {
      LOG.debug("push engine closed: no retry for host {}", hostId, e); // closing raced this completion
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

  private void cancelRetry() {
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
  }

  String hostName() {
    return ctx.hosts().host(hostId).map(Host::getName).filter(n -> !n.isEmpty()).orElse(hostId);
  }

  static long generation(HostSwitchState state) {
    return state == null ? 0 : state.getDvs().getGeneration();
  }

  @Override
  public String toString() {
    return "HostPusher[dvs=" + dvsId + ", host=" + hostId + "]";
  }
}
