package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.RectifyRequest;
import io.switchplane.manager.agents.AgentChannels;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's periodic look at every settled host's switch (ONOS's device side reporting what it
 * sees): an agent whose backend differs from what it applied (a change made by hand) makes the host
 * OUT_OF_SYNC with the drifted ports, or, with auto-rectify, is told to bring them back. Async
 * calls, at most one sweep at a time; hosts being pushed are skipped.
 */
final class DriftSweep implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DriftSweep.class);

  private final HostDirectory hosts;
  private final AgentChannels channels;

  /** Read for the settled hosts; what a check finds goes to the recorder. */
  private final HostStatusBook book;

  private final PushRecorder recorder;
  private final BooleanSupplier active;
  private final boolean autoRectify;
  private ScheduledFuture<?> task;

  DriftSweep(
      HostDirectory hosts,
      AgentChannels channels,
      HostStatusBook book,
      PushRecorder recorder,
      BooleanSupplier active,
      boolean autoRectify) {
    this.hosts = hosts;
    this.channels = channels;
    this.book = book;
    this.recorder = recorder;
    this.active = active;
    this.autoRectify = autoRectify;
  }

  /** Sweeps every interval on scheduler (zero: never). */
  synchronized void start(ScheduledExecutorService scheduler, Duration interval) {
    if (interval.isZero() || interval.isNegative() || task != null) {
      return;
    }
    task =
        scheduler.scheduleWithFixedDelay(
            this::sweep, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One pass over the settled hosts (also callable on demand). */
  void sweep() {
    if (!active.getAsBoolean()) {
      return;
    }
    for (HostPushStatus s : book.list(null)) {
      if (s.getState() != HostSyncState.HOST_SYNC_STATE_IN_SYNC
          && s.getState() != HostSyncState.HOST_SYNC_STATE_OUT_OF_SYNC) {
        continue;
      }
      Optional<Host> host = hosts.host(s.getHostId());
      if (host.isEmpty()) {
        continue;
      }
      check(s, host.get());
    }
  }

  private void check(HostPushStatus s, Host host) {
    var f =
        channels
            .futureStub(host.getEndpoint())
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getState(GetStateRequest.newBuilder().setDvsId(s.getDvsId()).build());
    // A failure is only logged: the host is unreachable now, and the next push will tell.
    AgentCalls.on(
        f,
        r -> answered(s, host, r),
        t -> LOG.debug("drift check of host {} failed", host.getName(), t));
  }

  /** The agent's GetState for the drift check: record the drift, or rectify it when told to. */
  private void answered(HostPushStatus s, Host host, GetStateResponse r) {
    List<String> drifted = r.getDriftedPortKeysList();
    long applied = r.getApplied().getDvs().getGeneration();
    if (drifted.isEmpty() || !autoRectify) {
      recorder.driftChecked(s, host, applied, drifted);
      return;
    }
    rectify(s, host, applied, drifted);
  }

  private void rectify(HostPushStatus s, Host host, long applied, List<String> drifted) {
    var f =
        channels
            .futureStub(host.getEndpoint())
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .rectify(RectifyRequest.newBuilder().setDvsId(s.getDvsId()).build());
    AgentCalls.on(
        f,
        r -> recorder.rectified(s.getDvsId(), host, applied, drifted),
        t -> recorder.rectifyFailed(s.getDvsId(), host, applied, drifted, t));
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }
}
