package io.switchplane.manager.snapshot.agents;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.Status;
import io.switchplane.api.v1.AgentSnapshotServiceGrpc;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.PutSnapshotCopyRequest;
import io.switchplane.api.v1.PutSnapshotCopyResponse;
import io.switchplane.api.v1.SnapshotKind;
import io.switchplane.manager.agents.AgentChannels;
import io.switchplane.manager.snapshot.SnapshotCopies;
import io.switchplane.manager.snapshot.SnapshotPolicy;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies snapshots to the member agents in the background (PutSnapshotCopy), so that the
 * configuration outlives the manager's store.
 *
 * <p>Operators' snapshots go to every member at once. Checkpoints come with every change set, so
 * they are coalesced: per DVS at most one round per {@link SnapshotPolicy#copyInterval()}, carrying
 * the newest checkpoint, and a copy still queued for a host is replaced by a newer one. At most
 * {@value #MAX_IN_FLIGHT} copies are in flight at once: a snapshot of a large DVS is megabytes, and
 * thousands of hosts must not all get it at the same moment. Failures are logged and counted; the
 * next round tries again.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #close()} once; copies offered before start or after
 * close are dropped with a debug line.
 */
public final class SnapshotCopier implements SnapshotCopies, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotCopier.class);
  static final int MAX_IN_FLIGHT = 4;
  private static final long CALL_SECONDS = 60;

  private enum State {
    LATENT,
    STARTED,
    CLOSED
  }

  private record Send(String endpoint, String hostName, DvsSnapshot snapshot) {}

  private final AgentChannels channels;
  private final SnapshotPolicy policy;
  private final Deque<Send> operatorQueue = new ArrayDeque<>();

  /** Queued checkpoint copies by endpoint and DVS: a newer checkpoint replaces a queued one. */
  private final Map<String, Send> checkpointQueue = new LinkedHashMap<>();

  /** Per DVS: the newest checkpoint waiting for its round, and when the last round went out. */
  private final Map<String, Send[]> waitingRound = new HashMap<>();

  private final Map<String, Long> lastRoundNanos = new HashMap<>();
  private final AtomicLong copied = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private ScheduledExecutorService timer;
  private State state = State.LATENT;
  private int inFlight;

  public SnapshotCopier(AgentChannels channels, SnapshotPolicy policy) {
    this.channels = channels;
    this.policy = policy;
  }

  public synchronized SnapshotCopier start() {
    if (state != State.LATENT) {
      throw new IllegalStateException("snapshot copier is " + state + "; start() works once");
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "snapshot-copier");
              t.setDaemon(true);
              return t;
            });
    state = State.STARTED;
    return this;
  }

  @Override
  public void copy(DvsSnapshot snapshot, List<Host> members) {
    String dvsId = snapshot.getInfo().getDvsId();
    Send[] sends =
        members.stream()
            .map(h -> new Send(h.getEndpoint(), h.getName(), snapshot))
            .toArray(Send[]::new);
    synchronized (this) {
      if (state != State.STARTED) {
        LOG.debug("snapshot copier {}: copy of {} dropped", state, snapshot.getInfo().getName());
        return;
      }
      if (snapshot.getInfo().getKind() != SnapshotKind.SNAPSHOT_KIND_CHECKPOINT) {
        operatorQueue.addAll(List.of(sends));
      } else if (policy.copiesCheckpoints()) {
        boolean scheduled = waitingRound.containsKey(dvsId);
        waitingRound.put(dvsId, sends);
        if (!scheduled) {
          long sinceLast =
              System.nanoTime() - lastRoundNanos.getOrDefault(dvsId, Long.MIN_VALUE / 2);
          long delay = Math.max(0, policy.copyInterval().toNanos() - sinceLast);
          schedule(() -> round(dvsId), delay);
        }
      }
    }
    pump();
  }

  /** Copies done and failed since start. */
  public long copied() {
    return copied.get();
  }

  public long failed() {
    return failed.get();
  }

  private void round(String dvsId) {
    synchronized (this) {
      Send[] sends = waitingRound.remove(dvsId);
      if (sends == null || state != State.STARTED) {
        return;
      }
      lastRoundNanos.put(dvsId, System.nanoTime());
      for (Send s : sends) {
        checkpointQueue.put(s.endpoint() + "|" + dvsId, s);
      }
    }
    pump();
  }

  /** Starts queued copies while fewer than MAX_IN_FLIGHT are out. */
  private void pump() {
    while (true) {
      Send next;
      synchronized (this) {
        if (state != State.STARTED || inFlight >= MAX_IN_FLIGHT) {
          return;
        }
        next = operatorQueue.poll();
        if (next == null) {
          Iterator<Send> it = checkpointQueue.values().iterator();
          if (!it.hasNext()) {
            return;
          }
          next = it.next();
          it.remove();
        }
        inFlight++;
      }
      send(next);
    }
  }

  private void send(Send s) {
    // Not in the caller's gRPC context: a copy offered while serving CreateSnapshot must outlive
    // that call.
    Context.ROOT.run(() -> sendInRoot(s));
  }

  private void sendInRoot(Send s) {
    try {
      var call =
          AgentSnapshotServiceGrpc.newFutureStub(channels.channel(s.endpoint()))
              .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
              .putSnapshotCopy(
                  PutSnapshotCopyRequest.newBuilder().setSnapshot(s.snapshot()).build());
      Futures.addCallback(
          call,
          new FutureCallback<PutSnapshotCopyResponse>() {
            @Override
            public void onSuccess(PutSnapshotCopyResponse r) {
              copied.incrementAndGet();
              done();
            }

            @Override
            public void onFailure(Throwable t) {
              failed.incrementAndGet();
              LOG.warn(
                  "copy of snapshot {} to host {} ({}) failed: {}",
                  s.snapshot().getInfo().getName(),
                  s.hostName(),
                  s.endpoint(),
                  Status.fromThrowable(t));
              done();
            }
          },
          MoreExecutors.directExecutor());
    } catch (RuntimeException e) {
      failed.incrementAndGet();
      LOG.warn(
          "copy of snapshot {} to host {} could not start",
          s.snapshot().getInfo().getName(),
          s.hostName(),
          e);
      done();
    }
  }

  private void done() {
    synchronized (this) {
      inFlight--;
    }
    pump();
  }

  private void schedule(Runnable task, long delayNanos) {
    try {
      timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("snapshot copier closing: round not scheduled", e);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      operatorQueue.clear();
      checkpointQueue.clear();
      waitingRound.clear();
    }
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
