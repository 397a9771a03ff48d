package io.switchplane.manager.agents;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.HashedWheelTimer;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceFutureStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gRPC channel per agent endpoint ("host:port"), created on first use and kept: a channel is a
 * reconnecting connection, so thousands of hosts cost thousands of idle TCP connections and no
 * per-call setup. How each endpoint is dialed (plaintext on loopback, or mutual TLS checking the
 * host's certificate) is the {@link AgentSecurity}'s call; a channel is made again when its answer
 * for the endpoint changes.
 *
 * <p>Reconnect tuning: a restarted agent closes its connections, the channel notices at once and
 * reconnects on the next call. A host that stayed down puts its channel in connect backoff (1 s
 * growing to 2 min in gRPC); callers retrying on their own schedule call {@link
 * #resetConnectBackoff} first so the retry really dials. Keepalive pings run only while calls are
 * outstanding (30 s, 10 s timeout) to notice a silently cut path; agents must permit pings every 30
 * s ({@code permitKeepAliveTime}) or they answer too_many_pings.
 *
 * <p>The leader's pushes go over one long-lived {@link PushStream} per agent on its channel ({@link
 * #pushStream}): a message each way per request instead of a call's setup. Other callers
 * (operations, drift checks, snapshots) use the unary stubs.
 *
 * <p>Thread-safe. Threads, all owned here and counted in {@link #cpuNanos}: a small fixed call
 * executor (no thread per call), the channels' own Netty event loops, and one timer for the stream
 * requests' deadlines.
 */
public final class AgentChannels implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentChannels.class);

  /** GetState answers carry the applied, effective and backend ports of up to 4,096 ports. */
  private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

  private static final int FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final long DEADLINE_TICK_MS = 10;

  private final ConcurrentHashMap<String, Entry> channels = new ConcurrentHashMap<>();
  private final OwnedThreads threads = new OwnedThreads();
  private final ExecutorService executor;
  private final EventLoopGroup eventLoops;
  private final HashedWheelTimer timers;
  private final Duration connectTimeout;
  private final AgentSecurity security;
  private volatile boolean closed;
  // The stream by default; unary calls stay for the bench to compare and for ConfirmIT to prove
  // both paths roll back over a cut.
  private volatile boolean streamed = true;

  private record Entry(
      ManagedChannel channel,
      HostAgentServiceFutureStub stub,
      String kind,
      AtomicReference<PushStream> stream) {}

  /** Plaintext channels with a 5 s TCP connect timeout (tests). */
  public AgentChannels() {
    this(AgentSecurity.plaintext());
  }

  /** Channels dialed as security says, with a 5 s TCP connect timeout. */
  public AgentChannels(AgentSecurity security) {
    this(Duration.ofSeconds(5), security);
  }

  /**
   * @param connectTimeout TCP connect timeout: a cut path drops SYNs, and Netty's default (30 s)
   *     would keep a host unreachable long after it is back
   */
  public AgentChannels(Duration connectTimeout, AgentSecurity security) {
    this.connectTimeout = connectTimeout;
    this.security = security;
    int cores = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.executor = Executors.newFixedThreadPool(cores, threads.factory("agent-channel-"));
    this.eventLoops =
        Epoll.isAvailable()
            ? new EpollEventLoopGroup(cores, threads.factory("agent-io-"))
            : new NioEventLoopGroup(cores, threads.factory("agent-io-"));
    // A timer wheel (10 ms ticks) for the stream requests' deadlines: every push sets two and
    // nearly all are cancelled by their answer, which a wheel does without a lock or a heap.
    this.timers =
        new HashedWheelTimer(
            threads.factory("agent-deadline-"),
            DEADLINE_TICK_MS,
            TimeUnit.MILLISECONDS,
            512,
            false);
  }

  /** The push stream to an endpoint: the one open, else a new one (opened on its first request). */
  public PushStream pushStream(String endpoint) {
    Entry e = entry(endpoint);
    PushStream current = e.stream().get();
    while (current == null || current.hasEnded()) {
      PushStream fresh = new PushStream(endpoint, e.channel(), timers, !streamed);
      if (e.stream().compareAndSet(current, fresh)) {
        return fresh;
      }
      current = e.stream().get();
    }
    return current;
  }

  /**
   * Whether pushes go over one long-lived stream per agent (true, the default) or as unary calls
   * (false), for streams made from now on (the bench compares the two).
   */
  public void setStreamed(boolean streamed) {
    this.streamed = streamed;
    channels.values().forEach(e -> endStream(e, "push path changed"));
  }

  /**
   * CPU time of the threads owned here (call executor, event loops, deadline timer), nanoseconds;
   * -1 when the JVM does not measure it.
   */
  public long cpuNanos() {
    return threads.cpuNanos();
  }

  private static void endStream(Entry e, String why) {
    PushStream s = e.stream().getAndSet(null);
    if (s != null) {
      s.end(Status.UNAVAILABLE.withDescription(why));
    }
  }

  /** The channel to an endpoint, created (not connected) on first use. */
  public ManagedChannel channel(String endpoint) {
    return entry(endpoint).channel();
  }

  /** A future stub on the endpoint's channel (callers add their own deadline per call). */
  public HostAgentServiceFutureStub futureStub(String endpoint) {
    return entry(endpoint).stub();
  }

  /**
   * Makes a channel waiting out its connect backoff dial again now; no-op for unknown endpoints.
   */
  public void resetConnectBackoff(String endpoint) {
    Entry e = channels.get(endpoint);
    if (e != null) {
      e.channel().resetConnectBackoff();
    }
  }

  /**
   * Makes the next call to an endpoint dial a fresh connection: a cut that drops packets leaves the
   * channel READY on a connection that answers nothing (keepalive would notice only after tens of
   * seconds), so a caller whose call timed out redials instead of queueing on it again. Calls still
   * in flight on the old connection end on their own; no-op for unknown endpoints.
   */
  public void redial(String endpoint) {
    Entry e = channels.get(endpoint);
    if (e != null) {
      endStream(e, "redialing: no answer in time"); // the stream would stay on the old connection
      e.channel().enterIdle();
      e.channel().resetConnectBackoff();
    }
  }

  /**
   * Connects to an endpoint ahead of its first call: a standby manager does it so that taking over
   * starts with calls, not with connects and handshakes on cold channels. No I/O on this thread;
   * no-op once closed.
   */
  public void connect(String endpoint) {
    if (!closed && !endpoint.isEmpty()) {
      entry(endpoint).channel().getState(true);
    }
  }

  /** Drops the channel of an endpoint no host uses any more (in-flight calls may finish). */
  public void forget(String endpoint) {
    Entry e = channels.remove(endpoint);
    if (e != null) {
      endStream(e, "agent forgotten");
      e.channel().shutdown();
    }
  }

  /** Number of channels held. */
  public int size() {
    return channels.size();
  }

  /** Shuts every channel down, waits up to 5 s for calls to end, then forces them closed. */
  @Override
  public void close() {
    closed = true;
    List<ManagedChannel> all = new ArrayList<>();
    for (String endpoint : List.copyOf(channels.keySet())) {
      Entry e = channels.remove(endpoint);
      if (e != null) {
        endStream(e, "agent channels closed");
        e.channel().shutdown();
        all.add(e.channel());
      }
    }
    long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
    try {
      for (ManagedChannel ch : all) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !ch.awaitTermination(left, TimeUnit.NANOSECONDS)) {
          ch.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      all.forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    } finally {
      executor.shutdown();
      timers.stop();
      eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    LOG.debug("closed {} agent channels", all.size());
  }

  private Entry entry(String endpoint) {
    if (closed) {
      throw new IllegalStateException("agent channels are closed");
    }
    String kind = security.kind(endpoint);
    Entry known = channels.get(endpoint);
    if (known != null && known.kind().equals(kind)) {
      return known; // every push asks twice: a look-up, not a locked compute
    }
    Entry e =
        channels.compute(
            endpoint,
            (k, old) -> {
              if (old != null && old.kind().equals(kind)) {
                return old;
              }
              if (old != null) {
                LOG.info(
                    "agent {} is now dialed with {} instead of {}", endpoint, kind, old.kind());
                endStream(old, "dialed another way");
                old.channel().shutdown();
              }
              return open(endpoint, kind);
            });
    if (closed) {
      // close() ran while this one was being made: do not leak it.
      channels.remove(endpoint, e);
      e.channel().shutdownNow();
      throw new IllegalStateException("agent channels are closed");
    }
    return e;
  }

  private Entry open(String endpoint, String kind) {
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(endpoint, security.credentials(endpoint, kind))
            .executor(executor)
            .eventLoopGroup(eventLoops)
            .channelType(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(false)
            .maxInboundMessageSize(MAX_INBOUND_BYTES)
            // A fixed window turns off BDP auto-tuning, whose pings cost a round trip of work per
            // response; our messages are small and one at a time per channel, so there is nothing
            // to tune.
            .flowControlWindow(FLOW_CONTROL_WINDOW)
            .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
            .build();
    LOG.debug("opened a {} channel to agent {}", kind, endpoint);
    return new Entry(
        channel, HostAgentServiceGrpc.newFutureStub(channel), kind, new AtomicReference<>());
  }
}
