package io.switchplane.agent;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.switchplane.agent.apply.ApplyPipeline;
import io.switchplane.agent.backend.Backends;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.fault.AgentFaults;
import io.switchplane.agent.grpc.AgentSnapshotGrpcService;
import io.switchplane.agent.grpc.HostAgentGrpcService;
import io.switchplane.agent.grpc.HostPropertyGrpcService;
import io.switchplane.agent.modules.ModuleContext;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.agent.modules.PublishedValues;
import io.switchplane.agent.store.PublishedStore;
import io.switchplane.agent.store.RocksDatabase;
import io.switchplane.agent.store.RocksStateStore;
import io.switchplane.agent.store.SnapshotCopyStore;
import io.switchplane.agent.tls.AgentTls;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.rpc.MalformedRequests;
import io.switchplane.rpc.RefusalLog;
import io.switchplane.rpc.ServerErrorCounter;
import io.switchplane.rpc.metrics.Metrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host agent: the gRPC server (HostAgentService, health, reflection) in front of an {@link
 * ApplyPipeline} over a backend and a RocksDB store.
 *
 * <p>Lifecycle as Curator's LeaderLatch: the constructor does no I/O; {@link #start()} opens the
 * store, restores the backend from it, then serves; {@link #close()} stops serving and releases
 * what the agent opened (never the shared resources it was given). Each step runs once.
 *
 * <p>A normal agent opens its own database in {@link AgentConfig#dataDir()}. Many lightweight
 * agents in one JVM share one database and one set of Netty threads: {@code
 * HostAgent.builder(config).sharedStore(db, "agent-0042/").sharedNetty(netty).build()}.
 */
public final class HostAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgent.class);

  /** The name the health service reports for the agent's API. */
  public static final String SERVICE_NAME = HostAgentServiceGrpc.SERVICE_NAME;

  /** Largest request: a host state with its ports and up to 4 MiB of properties. */
  private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

  private enum State {
    LATENT,
    STARTED,
    CLOSED
  }

  /** What start() built; one value, so that close() sees all of it or nothing. */
  private record Running(
      Server server,
      int port,
      ApplyPipeline pipeline,
      HealthStatusManager health,
      SwitchBackend backend,
      RocksDatabase ownedDb,
      ScheduledExecutorService ownedTimers,
      PublishedValues published,
      AgentTls tls,
      HostAgentGrpcService service) {}

  private final AgentConfig config;
  private final RocksDatabase sharedDb;
  private final String storePrefix;
  private final SharedNetty netty;
  private final PropertyModules modules;
  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final AtomicReference<Running> running = new AtomicReference<>();
  private final Metrics metrics = new Metrics();
  private final AgentHealth health = new AgentHealth().register(metrics);

  public HostAgent(AgentConfig config) {
    this(builder(config));
  }

  private HostAgent(Builder b) {
    this.config = b.config;
    this.sharedDb = b.sharedDb;
    this.storePrefix = b.storePrefix;
    this.netty = b.netty;
    this.modules = b.modules != null ? b.modules : PropertyModules.load();
    if (sharedDb == null && config.dataDir() == null) {
      throw new IllegalArgumentException("an agent needs a data dir or a shared store");
    }
    metrics.gauge(
        "switchplane_agent_certificate_expiry_timestamp_seconds",
        "When the agent's certificate expires (its not-after), Unix seconds; absent while it has"
            + " none (plaintext).",
        List.of(),
        cb -> {
          Running r = running.get();
          if (r != null) {
            r.tls()
                .certificate()
                .ifPresent(c -> cb.call(c.getNotAfter().toInstant().getEpochSecond()));
          }
        });
  }

  /** This agent's metrics registry: its pipeline's counters, its health and certificate. */
  public Metrics metrics() {
    return metrics;
  }

  /** Where the agent is in its life; ready only while serving over an open, recovered store. */
  public AgentHealth health() {
    return health;
  }

  public static Builder builder(AgentConfig config) {
    return new Builder(config);
  }

  /**
   * Opens the store, restores the backend, binds and serves. Fails if called twice or after close.
   */
  public void start() throws IOException {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("cannot start an agent that is " + state.get());
    }
    health.enter(AgentHealth.Phase.OPENING);
    RocksDatabase ownedDb =
        sharedDb == null ? RocksDatabase.open(config.dataDir().resolve("state")) : null;
    SwitchBackend backend = null;
    Server server = null;
    ScheduledExecutorService ownedTimers =
        netty == null ? SharedNetty.confirmTimers("agent-confirm-timer") : null;
    AgentTls tls = null;
    try {
      tls = AgentTls.open(config);
      backend = Backends.create(config.backend(), config.dataDir(), config.ovsdb());
      RocksDatabase db = sharedDb != null ? sharedDb : ownedDb;
      RocksStateStore store = new RocksStateStore(db, storePrefix);
      ApplyPipeline pipeline =
          new ApplyPipeline(
              backend,
              store,
              Clock.systemUTC(),
              AgentFaults.fromSystemProperties(),
              ownedTimers != null ? ownedTimers : netty.timers(),
              config.managementPort(),
              modules,
              metrics);
      // Before serving: an interrupted apply is repaired and a passed deadline rolled back first.
      health.enter(AgentHealth.Phase.RECOVERING);
      pipeline.recover();
      PublishedValues published =
          new PublishedValues(new PublishedStore(db, storePrefix), Clock.systemUTC());
      published.load();
      String backendName = backend.name();
      pipeline.startModules(
          ns ->
              new ModuleContext(
                  config.label(),
                  backendName,
                  java.util.Optional.ofNullable(config.ovsdb()),
                  published.publisherFor(ns)));
      HealthStatusManager grpcHealth = new HealthStatusManager();
      health.serveThrough(grpcHealth);
      SnapshotCopyStore copies = new SnapshotCopyStore(db, storePrefix);
      HostAgentGrpcService service = new HostAgentGrpcService(pipeline);
      server = buildServer(service, copies, grpcHealth, published, tls).start();
      tls.startRenewing();
      int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
      running.set(
          new Running(
              server,
              port,
              pipeline,
              grpcHealth,
              backend,
              ownedDb,
              ownedTimers,
              published,
              tls,
              service));
      health.enter(AgentHealth.Phase.SERVING);
      LOG.info(
          "host agent {} serving {} on {} with the {} backend, {} switches restored",
          config.label(),
          tls.describe(),
          listenAddress(),
          backend.name(),
          pipeline.switches().size());
    } catch (IOException | RuntimeException e) {
      // Release what this attempt opened; the agent stays unusable (STARTED without Running).
      health.enter(AgentHealth.Phase.FAILED);
      if (server != null) {
        server.shutdownNow();
      }
      if (tls != null) {
        tls.close();
      }
      if (ownedTimers != null) {
        ownedTimers.shutdownNow();
      }
      if (backend != null) {
        backend.close();
      }
      if (ownedDb != null) {
        ownedDb.close();
      }
      throw e;
    }
  }

  private Server buildServer(
      HostAgentGrpcService service,
      SnapshotCopyStore copies,
      HealthStatusManager health,
      PublishedValues published,
      AgentTls tls) {
    List<ServerServiceDefinition> services =
        List.of(
            MalformedRequests.refused(service),
            MalformedRequests.refused(new HostPropertyGrpcService(published)),
            MalformedRequests.refused(
                new AgentSnapshotGrpcService(copies, config.hostId(), config.hostName())));
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.bindHost(), config.port()), tls.serverCredentials())
            .addStreamTracerFactory(
                new ServerErrorCounter(metrics, "switchplane_agent").counting(services))
            .addStreamTracerFactory(new RefusalLog())
            // A host state carries up to 4 MiB of properties on top of its ports (PropertyRules).
            .maxInboundMessageSize(MAX_INBOUND_BYTES)
            .addService(MalformedRequests.refused(health.getHealthService()))
            .addService(MalformedRequests.refused(ProtoReflectionServiceV1.newInstance()))
            // The manager pings every 30 s while a call is open; the default (5 min) would answer
            // too_many_pings.
            .permitKeepAliveTime(20, TimeUnit.SECONDS);
    services.forEach(builder::addService);
    if (netty != null) {
      builder
          .bossEventLoopGroup(netty.boss())
          .workerEventLoopGroup(netty.worker())
          .channelType(netty.serverChannelType())
          .executor(netty.executor());
    }
    return builder.build();
  }

  /** The certificate the agent presents now; empty when it serves plaintext. */
  public java.util.Optional<java.security.cert.X509Certificate> certificate() {
    return started().tls().certificate();
  }

  /** What this agent's property modules published. */
  public PublishedValues published() {
    return started().published();
  }

  /** The port the agent listens on (the real one when configured with 0). */
  public int port() {
    return started().port();
  }

  /** host:port the agent listens on, as bound: a wildcard address stays the wildcard. */
  public String listenAddress() {
    String host =
        config.bindHost().isEmpty() ? "127.0.0.1" : config.bindHost(); // empty binds loopback
    return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port();
  }

  /**
   * host:port to reach the agent from this machine; a wildcard bind address is reported as
   * loopback.
   */
  public String endpoint() {
    String host = config.bindHost();
    if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
      host = "127.0.0.1";
    } else if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return host + ":" + port();
  }

  public AgentConfig config() {
    return config;
  }

  /** The pipeline, for in-process callers (tests, the bench) that skip gRPC. */
  public ApplyPipeline pipeline() {
    return started().pipeline();
  }

  private Running started() {
    Running r = running.get();
    if (r == null) {
      throw new IllegalStateException("the agent is " + state.get() + " and not serving");
    }
    return r;
  }

  /** Stops serving (waiting up to 5 s for calls in flight) and releases what the agent opened. */
  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    health.enter(AgentHealth.Phase.CLOSED);
    Running r = running.getAndSet(null);
    if (r == null) {
      return;
    }
    r.health().enterTerminalState();
    r.server().shutdown();
    // The managers' push streams stay open for good: end them once their requests are answered.
    r.service().endStreams();
    try {
      if (!r.server().awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("host agent {}: calls still running after 5 s, cancelling them", config.label());
        r.server().shutdownNow();
      }
    } catch (InterruptedException e) {
      r.server().shutdownNow();
      Thread.currentThread().interrupt();
    }
    r.tls().close();
    r.pipeline().close();
    if (r.ownedTimers() != null) {
      r.ownedTimers().shutdownNow();
    }
    r.backend().close();
    if (r.ownedDb() != null) {
      // Only after the server stopped: no call may reach a closed database.
      r.ownedDb().close();
    }
    LOG.info("host agent {} closed", config.label());
  }

  /** Builds agents, optionally sharing a database and Netty resources with others in the JVM. */
  public static final class Builder {
    private final AgentConfig config;
    private RocksDatabase sharedDb;
    private String storePrefix = "";
    private SharedNetty netty;
    private PropertyModules modules;

    private Builder(AgentConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Keep state in db (owned by the caller) under prefix, unique per agent, e.g. "agent-0042/".
     */
    public Builder sharedStore(RocksDatabase db, String prefix) {
      this.sharedDb = Objects.requireNonNull(db, "db");
      this.storePrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * Serve on netty's event loops and executor (owned by the caller) instead of the agent's own.
     */
    public Builder sharedNetty(SharedNetty netty) {
      this.netty = Objects.requireNonNull(netty, "netty");
      return this;
    }

    /** Use these property modules instead of the ones ServiceLoader finds on the class path. */
    public Builder modules(PropertyModules modules) {
      this.modules = Objects.requireNonNull(modules, "modules");
      return this;
    }

    public HostAgent build() {
      return new HostAgent(this);
    }
  }
}
