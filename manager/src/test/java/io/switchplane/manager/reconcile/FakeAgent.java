package io.switchplane.manager.reconcile;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PushAnswer;
import io.switchplane.api.v1.PushRequest;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.rpc.PushStreamServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small in-process host agent on a real loopback port: keeps the applied state per (host, DVS)
 * like the real agent (idempotent by generation, FAILED_PRECONDITION for older ones), records every
 * Apply, can answer late (without blocking a thread) and counts concurrent Apply calls in a {@link
 * Gauge} that several fakes may share.
 */
public final class FakeAgent implements AutoCloseable {
  /** Concurrent Apply calls now and at most, over every fake sharing it. */
  public static final class Gauge {
    private final AtomicInteger now = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();

    void enter() {
      max.accumulateAndGet(now.incrementAndGet(), Math::max);
    }

    void leave() {
      now.decrementAndGet();
    }

    public int max() {
      return max.get();
    }

    public void reset() {
      max.set(now.get());
    }
  }

  private final Server server;
  private final Gauge gauge;
  private final Duration delay;

  /** One timer for every fake: a scale run starts thousands of them. */
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "fake-agent-timer");
            t.setDaemon(true);
            return t;
          });

  private final Map<String, HostSwitchState> applied = new ConcurrentHashMap<>();
  private final List<HostSwitchState> applies = new CopyOnWriteArrayList<>();
  private final List<Long> confirms = new CopyOnWriteArrayList<>();
  private final List<Long> rollbacks = new CopyOnWriteArrayList<>();
  private final List<io.switchplane.api.v1.PushOwner> owners = new CopyOnWriteArrayList<>();

  private FakeAgent(int port, Gauge gauge, Duration delay) {
    this.gauge = gauge;
    this.delay = delay;
    try {
      this.server =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
              .addService(new Service())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fake on a free port (0) or on the given one, answering at once. */
  public static FakeAgent start(int port) {
    return new FakeAgent(port, new Gauge(), Duration.ZERO);
  }

  /** A fake on a free port answering Apply after delay, counting concurrent calls in gauge. */
  public static FakeAgent start(Gauge gauge, Duration delay) {
    return new FakeAgent(0, gauge, delay);
  }

  public String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  public Gauge gauge() {
    return gauge;
  }

  /** Every Apply received, in order. */
  /** Generations confirmed, in arrival order. */
  public List<Long> confirms() {
    return confirms;
  }

  /** The owner every Apply and Confirm carried, in arrival order. */
  /** The generations rolled back on request, in arrival order. */
  public List<Long> rollbacks() {
    return List.copyOf(rollbacks);
  }

  public List<io.switchplane.api.v1.PushOwner> owners() {
    return List.copyOf(owners);
  }

  public List<HostSwitchState> applies() {
    return List.copyOf(applies);
  }

  /** Generations of the Apply calls received for one host, in order. */
  public List<Long> appliedGenerations(String hostId) {
    return applies.stream()
        .filter(s -> s.getHostId().equals(hostId))
        .map(s -> s.getDvs().getGeneration())
        .toList();
  }

  /** The state a host has for a DVS, or null. */
  public HostSwitchState state(String hostId, String dvsId) {
    return applied.get(hostId + "/" + dvsId);
  }

  /** Sets what a host has, as if an earlier manager had pushed it. */
  public void preload(HostSwitchState state) {
    applied.put(state.getHostId() + "/" + state.getDvs().getId(), state);
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Service extends HostAgentServiceGrpc.HostAgentServiceImplBase {
    @Override
    public StreamObserver<PushRequest> push(StreamObserver<PushAnswer> out) {
      return new PushStreamServer(
          this, out); // the manager's push path, as the real agent serves it
    }

    @Override
    public void apply(ApplyRequest request, StreamObserver<ApplyResponse> out) {
      gauge.enter();
      HostSwitchState desired = request.getDesired();
      owners.add(request.getOwner());
      applies.add(desired);
      Runnable answer =
          () -> {
            gauge.leave();
            respond(request, desired, out);
          };
      if (delay.isZero()) {
        answer.run();
      } else {
        TIMER.schedule(answer, delay.toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    private void respond(
        ApplyRequest request, HostSwitchState desired, StreamObserver<ApplyResponse> out) {
      String key = desired.getHostId() + "/" + desired.getDvs().getId();
      long generation = desired.getDvs().getGeneration();
      HostSwitchState current = applied.get(key);
      long have = current == null ? 0 : current.getDvs().getGeneration();
      if (generation < have) {
        out.onError(
            StatusMapping.toStatus(
                SwitchplaneException.precondition(
                        "generation %d is older than the applied generation %d", generation, have)
                    .because(ErrorReason.HOLDS_NEWER_GENERATION)));
        return;
      }
      boolean already = generation == have;
      if (!already) {
        if (desired.getMember()) {
          applied.put(key, desired);
        } else {
          applied.remove(key);
        }
      }
      out.onNext(
          ApplyResponse.newBuilder()
              .setAppliedGeneration(generation)
              .setAlreadyApplied(already)
              .setNonce("nonce-" + generation)
              .setConfirmDeadlineUnixMs(System.currentTimeMillis() + request.getConfirmTimeoutMs())
              .setSummary(ChangeSummary.newBuilder().setUpdated(desired.getPortsCount()))
              .build());
      out.onCompleted();
    }

    /**
     * Confirms are accepted for any generation with the nonce this fake gave it (this fake keeps no
     * pending state).
     */
    @Override
    public void confirm(ConfirmRequest request, StreamObserver<ConfirmResponse> out) {
      if (!request.getNonce().equals("nonce-" + request.getGeneration())) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("wrong nonce").asRuntimeException());
        return;
      }
      owners.add(request.getOwner());
      confirms.add(request.getGeneration());
      out.onNext(
          ConfirmResponse.newBuilder().setConfirmedGeneration(request.getGeneration()).build());
      out.onCompleted();
    }

    /** Rollbacks are recorded and answered as done (this fake keeps no history to go back to). */
    @Override
    public void rollback(
        io.switchplane.api.v1.RollbackRequest request,
        StreamObserver<io.switchplane.api.v1.RollbackResponse> out) {
      if (!request.getNonce().equals("nonce-" + request.getGeneration())) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("wrong nonce").asRuntimeException());
        return;
      }
      rollbacks.add(request.getGeneration());
      out.onNext(io.switchplane.api.v1.RollbackResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void getState(GetStateRequest request, StreamObserver<GetStateResponse> out) {
      HostSwitchState found = null;
      for (HostSwitchState s : applied.values()) {
        if (s.getDvs().getId().equals(request.getDvsId())) {
          found = s; // a fake serving several hosts answers for any of them: tests use one host per
          // fake here
        }
      }
      if (found == null) {
        out.onError(
            Status.NOT_FOUND
                .withDescription("no state for DVS " + request.getDvsId())
                .asRuntimeException());
        return;
      }
      out.onNext(GetStateResponse.newBuilder().setApplied(found).setBackend("fake").build());
      out.onCompleted();
    }
  }
}
