package io.switchplane.manager.reconcile;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Status;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceFutureStub;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.HostSyncState;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the desired state of one (DVS, host) pair: at most one call in flight; a newer desired
 * state arriving meanwhile replaces any older one not yet sent (coalescing) and goes out when
 * the current call ends; failures are retried with exponential backoff where retrying can help.
 *
 * <p>Phases: IDLE → QUEUED (waiting for a dispatcher slot) → IN_FLIGHT → IDLE, or
 * WAITING_RETRY → QUEUED. All fields are guarded by this; no lock is held across a call, the
 * dispatcher or the status book.
 */
final class HostPusher implements PushDispatcher.Task {
  private static final Logger LOG = LoggerFactory.getLogger(HostPusher.class);

  private enum Phase { IDLE, QUEUED, IN_FLIGHT, WAITING_RETRY }

  private final String dvsId;
  private final String hostId;
  private final PushContext ctx;

  private Phase phase = Phase.IDLE;
  /** The newest desired state. */
  private HostSwitchState latest;
  /** Whether the next start asks the agent what it has (GetState) before pushing. */
  private boolean probe;
  private long backoffMs;
  private ScheduledFuture<?> retry;
  private boolean retired;

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

  /**
   * Makes desired the state to push. Older than the newest known state: ignored. probeFirst: ask
   * the agent first and push only when its content differs (used when taking over leadership).
   * Only queues: the caller drains the dispatcher (so a commit of thousands of hosts does not
   * start thousands of calls on the committing thread).
   *
   * @return false when this pusher is retired: the caller must use a fresh one
   */
  boolean submit(HostSwitchState desired, boolean probeFirst) {
    boolean enqueue = false;
    synchronized (this) {
      if (retired) {
        return false;
      }
      if (latest != null && generation(desired) < generation(latest)) {
        return true;
      }
      latest = desired;
      probe = probeFirst;
      backoffMs = 0; // a new desired state deserves a prompt try
      if (phase == Phase.WAITING_RETRY) {
        retry.cancel(false);
        retry = null;
        phase = Phase.IDLE;
      }
      if (phase == Phase.IDLE) {
        phase = Phase.QUEUED;
        enqueue = true;
      }
      // QUEUED or IN_FLIGHT: latest is picked up by the start or after the completion.
    }
    if (enqueue) {
      ctx.dispatcher().offer(this);
    }
    return true;
  }

  /** Stops pushing (leadership lost): retries cancelled, queued work dropped; an in-flight call ends alone. */
  synchronized void halt() {
    cancelRetry();
    if (phase != Phase.IN_FLIGHT) {
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

  @Override
  public boolean start() {
    HostSwitchState state;
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
      asking = probe;
      probe = false;
      retrying = backoffMs > 0;
    }
    try {
      Optional<Host> host = ctx.hosts().host(hostId);
      if (host.isEmpty()) {
        failed(state, Status.NOT_FOUND.asRuntimeException(),
            "host " + hostId + " is not registered: register it again or remove it from the DVS (not retried automatically)");
        return true;
      }
      String endpoint = host.get().getEndpoint();
      if (retrying) {
        ctx.channels().resetConnectBackoff(endpoint); // the agent may be back: dial now, not after gRPC's backoff
      }
      HostAgentServiceFutureStub stub = ctx.channels().futureStub(endpoint)
          .withDeadlineAfter(ctx.callDeadline().toNanos(), TimeUnit.NANOSECONDS);
      if (asking) {
        ListenableFuture<GetStateResponse> f = stub.getState(GetStateRequest.newBuilder().setDvsId(dvsId).build());
        Futures.addCallback(f, new FutureCallback<>() {
          @Override
          public void onSuccess(GetStateResponse response) {
            probed(state, response.hasApplied() ? response.getApplied() : null);
          }

          @Override
          public void onFailure(Throwable t) {
            Status.Code code = Status.fromThrowable(t).getCode();
            if (code != Status.Code.NOT_FOUND) {
              LOG.debug("GetState of DVS {} on host {} failed ({}); pushing", dvsId, hostId, code);
            }
            probed(state, null);
          }
        }, MoreExecutors.directExecutor());
      } else {
        ctx.book().pushing(dvsId, hostId);
        ListenableFuture<ApplyResponse> f = stub.apply(ApplyRequest.newBuilder().setDesired(state).build());
        Futures.addCallback(f, new FutureCallback<>() {
          @Override
          public void onSuccess(ApplyResponse response) {
            applied(state, response);
          }

          @Override
          public void onFailure(Throwable t) {
            failed(state, t, null);
          }
        }, MoreExecutors.directExecutor());
      }
    } catch (RuntimeException e) {
      // A bug or a closed channel cache: record it as a failure rather than losing the slot.
      failed(state, Status.INTERNAL.withCause(e).asRuntimeException(), "push could not start: " + e);
    }
    return true;
  }

  /** GetState answered; applied is null when the agent has nothing (or could not tell). */
  private void probed(HostSwitchState wanted, HostSwitchState applied) {
    boolean inSync = false;
    boolean requeue = false;
    synchronized (this) {
      phase = Phase.IDLE;
      if (!retired && ctx.active().getAsBoolean()) {
        if (latest == wanted && DesiredStateBuilder.sameContent(applied, wanted)) {
          inSync = true;
        } else {
          phase = Phase.QUEUED; // probe stays false unless a newer submit asked for one
          requeue = true;
        }
      }
    }
    if (inSync) {
      ctx.book().alreadyInSync(dvsId, hostId, generation(applied), generation(wanted));
      LOG.debug("host {} already has DVS {} content at generation {}", hostId, dvsId, generation(applied));
    }
    ctx.dispatcher().release();
    if (requeue) {
      ctx.dispatcher().enqueue(this);
    }
  }

  private void applied(HostSwitchState sent, ApplyResponse response) {
    boolean current;
    boolean requeue = false;
    boolean record;
    synchronized (this) {
      backoffMs = 0;
      current = latest == sent;
      record = !retired;
      phase = Phase.IDLE;
      if (!current && !retired && ctx.active().getAsBoolean()) {
        phase = Phase.QUEUED;
        requeue = true;
      }
    }
    if (record) {
      ctx.book().pushed(dvsId, hostId, response.getAppliedGeneration(), response.getSummary(),
          System.currentTimeMillis(), generation(sent));
    }
    LOG.debug("host {} applied DVS {} generation {} (already applied: {})",
        hostId, dvsId, response.getAppliedGeneration(), response.getAlreadyApplied());
    ctx.dispatcher().release();
    if (requeue) {
      ctx.dispatcher().enqueue(this);
    } else if (current && record && !sent.getMember()) {
      ctx.tombstoneApplied().accept(this);
    }
  }

  /** A push failed; message overrides the description made from the status (null: describe it). */
  private void failed(HostSwitchState sent, Throwable t, String message) {
    Status status = Status.fromThrowable(t);
    Status.Code code = status.getCode();
    boolean unreachable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    // A local failure (message given) will not heal by retrying; the agent's transient answers may.
    boolean retryable = message == null && (unreachable || switch (code) {
      case ABORTED, INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED, CANCELLED -> true;
      default -> false;
    });
    String error;
    boolean requeue = false;
    boolean record;
    long delayMs = 0;
    synchronized (this) {
      record = !retired;
      phase = Phase.IDLE;
      boolean active = !retired && ctx.active().getAsBoolean();
      if (active && latest != sent) {
        phase = Phase.QUEUED; // a newer state supersedes the failed one: push it now
        requeue = true;
        backoffMs = 0;
      } else if (active && retryable) {
        backoffMs = backoffMs == 0 ? ctx.initialBackoff().toMillis() : Math.min(backoffMs * 2, ctx.maxBackoff().toMillis());
        // Jitter spreads the retries of many hosts that failed together (a rack going down).
        delayMs = Math.max(1, backoffMs - ThreadLocalRandom.current().nextLong(backoffMs / 5 + 1));
        try {
          retry = ctx.scheduler().schedule(this::retryNow, delayMs, TimeUnit.MILLISECONDS);
          phase = Phase.WAITING_RETRY;
        } catch (RejectedExecutionException e) {
          LOG.debug("push engine closed: no retry for host {}", hostId, e); // closing raced this completion
        }
      }
    }
    error = message != null ? message : describe(generation(sent), status, retryable, delayMs);
    if (record) {
      ctx.book().failed(dvsId, hostId,
          unreachable ? HostSyncState.HOST_SYNC_STATE_UNREACHABLE : HostSyncState.HOST_SYNC_STATE_FAILED,
          error, System.currentTimeMillis());
    }
    if (retryable) {
      LOG.debug("push of DVS {} generation {} to host {} failed: {}", dvsId, generation(sent), hostId, error);
    } else if (record) {
      LOG.warn("push of DVS {} generation {} to host {} failed: {}", dvsId, generation(sent), hostId, error);
    }
    ctx.dispatcher().release();
    if (requeue) {
      ctx.dispatcher().enqueue(this);
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

  /** An operator-facing message: what happened and what happens or must be done next. */
  private String describe(long generation, Status status, boolean retryable, long delayMs) {
    String detail = status.getDescription() == null ? status.getCode().name()
        : status.getCode() + ": " + status.getDescription();
    return switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED -> "agent unreachable (" + detail + "); retrying in " + delayMs + " ms";
      case FAILED_PRECONDITION -> "agent refused generation " + generation + " (" + detail + "); the host holds a newer"
          + " generation than this manager wants: check the host's history and commit a new change set to move"
          + " the DVS past it (not retried automatically)";
      case INVALID_ARGUMENT -> "agent rejected generation " + generation + " as invalid (" + detail + "); fix the"
          + " configuration and commit again (not retried automatically)";
      default -> retryable
          ? "agent failed to apply generation " + generation + " (" + detail + "); retrying in " + delayMs + " ms"
          : "agent answered " + detail + " for generation " + generation + "; check the agent's version and"
              + " logs, then commit again (not retried automatically)";
    };
  }

  private static long generation(HostSwitchState state) {
    return state == null ? 0 : state.getDvs().getGeneration();
  }

  @Override
  public String toString() {
    return "HostPusher[dvs=" + dvsId + ", host=" + hostId + "]";
  }
}
