package io.switchplane.manager;

import io.grpc.BindableService;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.switchplane.api.v1.GetManagerInfoResponse;
import io.switchplane.api.v1.HostCertRecord;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.ListManagersResponse;
import io.switchplane.api.v1.PushOwner;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.agents.AgentChannels;
import io.switchplane.manager.audit.ChangeLog;
import io.switchplane.manager.auth.Users;
import io.switchplane.manager.grpc.AccessInterceptor;
import io.switchplane.manager.grpc.AuditGrpcService;
import io.switchplane.manager.grpc.CallerInterceptor;
import io.switchplane.manager.grpc.EnrollmentGrpcService;
import io.switchplane.manager.grpc.IpamGrpcService;
import io.switchplane.manager.grpc.ManagerGrpcService;
import io.switchplane.manager.grpc.MigrationGrpcService;
import io.switchplane.manager.grpc.NetworkManagerGrpcService;
import io.switchplane.manager.grpc.PkiGrpcService;
import io.switchplane.manager.grpc.PropertyGrpcService;
import io.switchplane.manager.grpc.SnapshotGrpcService;
import io.switchplane.manager.grpc.UserGrpcService;
import io.switchplane.manager.grpc.VcenterGrpcService;
import io.switchplane.manager.health.ManagerHealth;
import io.switchplane.manager.ipam.Ipam;
import io.switchplane.manager.ipam.NicSync;
import io.switchplane.manager.ipam.SubnetPools;
import io.switchplane.manager.ipam.VmkAddresses;
import io.switchplane.manager.leader.FailoverBudget;
import io.switchplane.manager.leader.Leadership;
import io.switchplane.manager.migration.Migrations;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.netmgr.PublishedNetworks;
import io.switchplane.manager.owners.DvsOwnership;
import io.switchplane.manager.owners.ManagerList;
import io.switchplane.manager.owners.ManagerRegistry;
import io.switchplane.manager.owners.OwnedDeletions;
import io.switchplane.manager.pki.AgentTrust;
import io.switchplane.manager.pki.ClusterCa;
import io.switchplane.manager.pki.Enrollments;
import io.switchplane.manager.pki.ManagerIdentity;
import io.switchplane.manager.pki.UserCertificates;
import io.switchplane.manager.reconcile.CommitListeners;
import io.switchplane.manager.reconcile.HostStatusBook;
import io.switchplane.manager.reconcile.PushEngine;
import io.switchplane.manager.reconcile.PushOwners;
import io.switchplane.manager.secrets.SecretBox;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.service.PropertyService;
import io.switchplane.manager.snapshot.Checkpoints;
import io.switchplane.manager.snapshot.Recovery;
import io.switchplane.manager.snapshot.Restores;
import io.switchplane.manager.snapshot.SnapshotCatalog;
import io.switchplane.manager.snapshot.agents.AgentCopyCollector;
import io.switchplane.manager.snapshot.agents.SnapshotCopier;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.HostStore;
import io.switchplane.manager.store.IpamStore;
import io.switchplane.manager.store.NamespaceStore;
import io.switchplane.manager.store.OwnerStore;
import io.switchplane.manager.store.PkiStore;
import io.switchplane.manager.store.RealizedStore;
import io.switchplane.manager.store.SnapshotStore;
import io.switchplane.manager.store.UntilSessionLost;
import io.switchplane.manager.store.UserStore;
import io.switchplane.manager.store.VcenterStore;
import io.switchplane.manager.store.WriteFence;
import io.switchplane.manager.store.ZkErrors;
import io.switchplane.manager.vmtracker.TrackerReports;
import io.switchplane.manager.vmtracker.VcenterSources;
import io.switchplane.manager.vmtracker.VmTrackers;
import io.switchplane.manager.zk.EmbeddedZooKeeper;
import io.switchplane.rpc.MalformedRequests;
import io.switchplane.rpc.RefusalLog;
import io.switchplane.rpc.ServerErrorCounter;
import io.switchplane.rpc.TlsHandshakeFailures;
import io.switchplane.rpc.metrics.Metrics;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Loopback;
import io.switchplane.rpc.tls.OperatorTls;
import io.switchplane.rpc.tls.PeerIdentity;
import io.switchplane.rpc.tls.PeerTrust;
import io.switchplane.rpc.tls.TlsPeer;
import io.switchplane.vcenter.InventorySource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One manager process: ZooKeeper (embedded unless a connect string is given), the store, the push
 * engine, leader election and the operator gRPC API (with the gRPC health service and server
 * reflection, so grpcurl works). The operator API serves TLS with this manager's certificate of the
 * cluster CA, which the first manager to start makes (an operator may present a user certificate of
 * that CA instead of a token); plaintext only when configured, on loopback.
 *
 * <p>Lifecycle: the constructor does no I/O; {@link #start()} once, {@link #close()} once or more
 * (idempotent; it also cleans up after a failed start). Parts close in reverse order.
 */
public final class SwitchplaneManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchplaneManager.class);
  private static final Duration ZK_CONNECT_TIMEOUT = Duration.ofSeconds(30);

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final ManagerConfig config;
  private final InventorySource.Factory sources;

  /** What start() opened, closed in reverse order. */
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  /** Notified when this manager has taken over as leader. */
  private final Object leaderSignal = new Object();

  private State state = State.NEW;
  private volatile String zookeeper;
  private volatile String id;
  private volatile Server server;
  private volatile PushEngine pushEngine;
  private volatile ConfigService service;
  private volatile Migrations migrations;
  private volatile Leadership leadership;
  private volatile HealthStatusManager health;
  private volatile ManagerHealth managerHealth;
  private volatile Server agentServer;
  private volatile ClusterCa ca;
  private volatile ManagerIdentity identity;
  private volatile Enrollments enrollments;
  private volatile AgentTrust agentSecurity;
  private volatile DvsOwnership ownership;

  /** Leadership per DVS: the DVSes this manager deleted while owning them, with their epochs. */
  private final OwnedDeletions deletions = new OwnedDeletions(this::ownedEpoch);

  /** A manager for config; does no I/O until {@link #start()}. */
  public SwitchplaneManager(ManagerConfig config) {
    this(config, VcenterSources.yavijava());
  }

  /**
   * As {@link #SwitchplaneManager(ManagerConfig)}, with the VM tracker's inventories from sources.
   */
  public SwitchplaneManager(ManagerConfig config, InventorySource.Factory sources) {
    this.config = Objects.requireNonNull(config, "config");
    this.sources = Objects.requireNonNull(sources, "sources");
  }

  /**
   * The key that seals vCenter passwords in ZooKeeper: SWITCHPLANE_SECRET_KEY_FILE, else
   * vcenter-secret.key in the data directory. Every manager of an ensemble needs the same file.
   */
  private Path secretKeyFile() {
    String env = System.getenv("SWITCHPLANE_SECRET_KEY_FILE");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : config.dataDir().resolve("vcenter-secret.key");
  }

  public ManagerConfig config() {
    return config;
  }

  /** Starts every part and joins the leader election. On failure, what started is closed again. */
  public synchronized SwitchplaneManager start() {
    if (state != State.NEW) {
      throw new IllegalStateException("manager is " + state + "; start() works once");
    }
    state = State.STARTED;
    try {
      doStart();
    } catch (RuntimeException e) {
      LOG.error("manager failed to start", e);
      close();
      throw e;
    }
    return this;
  }

  private void doStart() {
    if (config.insecurePlaintext()) {
      Loopback.requirePlaintextAllowed(
          config.bindHost(), "without it the operator API serves TLS on any address");
    }
    if (config.embeddedZookeeper()) {
      EmbeddedZooKeeper zk =
          EmbeddedZooKeeper.start(config.dataDir().resolve("zookeeper"), config.zookeeperPort());
      opened.push(zk);
      zookeeper = zk.connectString();
    } else {
      zookeeper = config.zookeeper();
    }
    int sessionMs = (int) config.sessionTimeout().toMillis();
    // No retries once the session is lost: a manager cut from ZooKeeper answers UNAVAILABLE within
    // the connection timeout instead of holding its callers through the whole retry schedule.
    UntilSessionLost retry = new UntilSessionLost(new ExponentialBackoffRetry(200, 5, 5_000));
    CuratorFramework client =
        CuratorFrameworkFactory.newClient(zookeeper, sessionMs, Math.min(sessionMs, 15_000), retry);
    client.getConnectionStateListenable().addListener(retry.listener());
    client.start();
    opened.push(client);
    awaitConnected(client);

    // Leadership per DVS: every write of an existing DVS checks its owner record at this manager's
    // epoch, and every push carries it (ownership is made once the id is known, below).
    OwnerStore ownerStore = null;
    if (config.dvsOwnership()) {
      ownerStore = new OwnerStore(client);
      ownerStore.ensureLayout();
    }
    // VMkernel ports' addresses are NIC records written in their change set's transaction.
    IpamStore ipamStore = new IpamStore(client);
    ipamStore.ensureLayout();
    SubnetPools subnetPools = new SubnetPools(ipamStore);
    VmkAddresses vmkAddresses = new VmkAddresses(ipamStore, subnetPools, Clock.systemUTC());
    DvsStore dvsStore =
        new DvsStore(
            client,
            config.dvsOwnership() ? WriteFence.owner(this::ownedEpoch) : WriteFence.NONE,
            vmkAddresses);
    dvsStore.ensureLayout();
    NamespaceStore namespaceStore = new NamespaceStore(client, java.time.Clock.systemUTC());
    namespaceStore.ensureLayout();
    HostStore hostStore = new HostStore(client, dvsStore);
    hostStore.start();
    opened.push(hostStore);

    // The cluster PKI: the CA (made here by the first manager to start), this manager's
    // certificate, how agents
    // are dialed.
    SecretBox secrets = new SecretBox(secretKeyFile());
    PkiStore pkiStore = new PkiStore(client);
    pkiStore.ensureLayout();
    pkiStore.start();
    opened.push(pkiStore);
    ca = new ClusterCa(pkiStore, secrets, Clock.systemUTC());
    ca.ensure();
    writeCaFile();
    identity =
        new ManagerIdentity(
            ca,
            () -> certificateName(id != null ? id : config.bindHost()),
            config.certLifetime(),
            Clock.systemUTC());
    AgentTrust agentTrust =
        new AgentTrust(ca, pkiStore, identity, hostStore::cached, Clock.systemUTC());
    agentTrust.refresh();
    hostStore.addListener(agentTrust::refresh);
    pkiStore.addListener(agentTrust::certificatesChanged);
    agentSecurity = agentTrust;
    AgentChannels pushChannels = new AgentChannels(agentTrust);
    opened.push(pushChannels);
    enrollments =
        new Enrollments(ca, pkiStore, hostStore, config.certLifetime(), Clock.systemUTC());

    pushEngine =
        new PushEngine(
            hostStore,
            config.push(),
            pushChannels,
            config.dvsOwnership() ? this::pushOwner : PushOwners.UNFENCED);
    pushEngine.start();
    opened.push(pushEngine);

    SnapshotStore snapshotStore = new SnapshotStore(client);
    AgentChannels snapshotChannels = new AgentChannels(agentTrust);
    opened.push(snapshotChannels);
    SnapshotCopier copyToAgents = new SnapshotCopier(snapshotChannels, config.snapshots()).start();
    opened.push(copyToAgents);
    Checkpoints checkpoints =
        new Checkpoints(
            snapshotStore, hostStore::host, config.snapshots(), Clock.systemUTC(), copyToAgents);
    opened.push(checkpoints);
    CommitListeners commits = new CommitListeners(pushEngine);
    if (config.dvsOwnership()) {
      commits.add(deletions);
    }
    service =
        new ConfigService(
            dvsStore,
            hostStore,
            commits,
            new ConfigService.LeaderView() {
              @Override
              public String selfId() {
                return id;
              }

              @Override
              public String leaderId() {
                Leadership l = leadership;
                return l == null ? "" : l.leaderId();
              }
            },
            new ConfigService.Extensions(namespaceStore, checkpoints, vmkAddresses::assign));
    SnapshotCatalog catalog =
        new SnapshotCatalog(service, snapshotStore, checkpoints, Clock.systemUTC(), copyToAgents);
    AgentCopyCollector agentCopies = new AgentCopyCollector(snapshotChannels);
    Restores restores = new Restores(service, catalog, agentCopies, dvsStore::retiredGeneration);
    Recovery recovery = new Recovery(service, restores, snapshotStore, agentCopies);
    VcenterStore vcenterStore = new VcenterStore(client);
    vcenterStore.ensureLayout();
    VmTrackers trackers =
        new VmTrackers(vcenterStore, secrets, service, sources, Clock.systemUTC());
    opened.push(trackers);
    commits.add(trackers.commitListener());
    FailoverBudget failover = new FailoverBudget(config.sessionTimeout());
    commits.add(failover);
    failover.logAtStart();
    hostStore.addListener(trackers::hostsChanged);
    TrackerReports trackerReports =
        new TrackerReports(trackers, service, pushEngine.statusBook()::holdsContentOf);
    trackers.syncNicRecordsWith(
        new NicSync(
            ipamStore, service, pushEngine.events(), pushEngine.metrics(), Clock.systemUTC()));

    // The gRPC server starts before the election so that a port 0 is known and becomes part of the
    // id.
    health = new HealthStatusManager();
    ManagerHealth watched =
        new ManagerHealth(this::isLeader, health).register(pushEngine.metrics());
    managerHealth = watched;
    client.getConnectionStateListenable().addListener((c, s) -> watched.zookeeper(s.isConnected()));
    registerGauges(pushEngine.metrics(), trackers);
    Function<String, Optional<String>> dvsIds = ref -> service.findConfig(ref).map(DvsConfig::id);
    ChangeLog changeLog = new ChangeLog(dvsStore.changeLog(), dvsIds);
    UserStore userStore = new UserStore(client);
    userStore.start();
    opened.push(userStore);
    // Realized networks: the pushing manager stores each host's set when it changes, so any
    // manager answers Precheck; it answers from what its agents told it when it has heard them.
    RealizedStore realizedStore = new RealizedStore(client, Clock.systemUTC());
    realizedStore.ensureLayout();
    opened.push(realizedStore);
    HostStatusBook statusBook = pushEngine.statusBook();
    statusBook.addRealizedListener(realizedStore::changed);
    migrations =
        new Migrations(
            service,
            new Migrations.PushStatus() {
              @Override
              public Optional<HostPushStatus> get(String dvsId, String hostId) {
                return statusBook.get(dvsId, hostId);
              }

              @Override
              public CompletableFuture<HostPushStatus> whenSettled(
                  String dvsId, String hostId, long generation) {
                return statusBook.whenSettled(dvsId, hostId, generation);
              }
            },
            (dvsId, hostId) ->
                Set.copyOf(
                    statusBook
                        .realizedReported(dvsId, hostId)
                        .or(() -> realizedStore.read(dvsId, hostId))
                        .orElse(List.of())),
            vmkAddresses::subnetId);
    // The trackers make vCenter's vMotions here too (the wiring was lost in a merge: no tracker
    // followed a move until VmTrackerIT's vMotion test found it).
    trackers.followMigrationsWith(migrations);
    List<BindableService> services =
        List.of(
            new ManagerGrpcService(
                service,
                pushEngine,
                this::info,
                hostId ->
                    pkiStore
                        .cachedHostCert(hostId)
                        .map(HostCertRecord::getNotAfterUnixMs)
                        .orElse(0L),
                this::managers,
                config.dvsOwnership() ? this::requireOwner : ManagerGrpcService.OwnerCheck.NONE),
            new AuditGrpcService(changeLog),
            new MigrationGrpcService(
                migrations,
                config.dvsOwnership()
                    ? this::requireOwnerOfVm
                    : MigrationGrpcService.VmRouting.NONE),
            new NetworkManagerGrpcService(new PublishedNetworks(service)),
            new UserGrpcService(new Users(userStore, dvsIds, Clock.systemUTC())),
            new SnapshotGrpcService(catalog, restores, recovery),
            new PropertyGrpcService(
                new PropertyService(service, namespaceStore), service, pushEngine.channels()),
            new VcenterGrpcService(trackers, trackerReports),
            new VcenterGrpcService.Show(trackerReports),
            new IpamGrpcService(
                new Ipam(
                    ipamStore,
                    subnetPools,
                    service,
                    Clock.systemUTC(),
                    trackers::guestNics,
                    trackers::syncNicRecordsSoon)),
            new PkiGrpcService(
                ca,
                enrollments,
                identity,
                new UserCertificates(ca, userStore, config.certLifetime(), Clock.systemUTC())),
            health.getHealthService(),
            ProtoReflectionServiceV1.newInstance());
    ServerCredentials operatorCredentials =
        config.insecurePlaintext()
            ? InsecureServerCredentials.create()
            : tls(PeerIdentity.Role.USER);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.bindHost(), config.port()), operatorCredentials)
            // The last added runs first: who is calling, then what it may do.
            .intercept(new AccessInterceptor(dvsIds, pushEngine.metrics()))
            .intercept(new CallerInterceptor(userStore, pushEngine.metrics()))
            .addStreamTracerFactory(
                new ServerErrorCounter(pushEngine.metrics(), "switchplane_manager")
                    .counting(services.stream().map(BindableService::bindService).toList()))
            .addStreamTracerFactory(new RefusalLog())
            .addTransportFilter(
                new TlsHandshakeFailures(pushEngine.metrics(), "switchplane_manager", "operator"));
    // Every service refuses a request that does not parse as INVALID_ARGUMENT, not gRPC's UNKNOWN.
    services.forEach(s -> builder.addService(MalformedRequests.refused(s)));
    server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE,
          "cannot listen on " + config.bindHost() + ":" + config.port() + ": " + e.getMessage(),
          e);
    }
    opened.push(this::stopServer);
    id = config.managerId() != null ? config.managerId() : endpoint();
    identity.start();
    opened.push(identity);
    startAgentServer();
    if (ownerStore != null) {
      startOwnership(client, ownerStore, trackers);
    }

    leadership =
        new Leadership(
            client,
            id,
            new Leadership.Listener() {
              @Override
              public void gained() {
                checkpoints.reset();
                if (config.dvsOwnership()) {
                  service.leadCluster(true); // its DVSes come and go with their ownership
                } else {
                  service.activate(all -> pushEngine.activate(all));
                  trackers.activate(); // per DVS: each runs on its DVS's owner
                }
                snapshotStore
                    .sweepOrphans(); // housekeeping: after the hosts are being probed, not before
                synchronized (leaderSignal) {
                  leaderSignal.notifyAll();
                }
                watched.leadershipChanged();
              }

              @Override
              public void lost() {
                if (config.dvsOwnership()) {
                  service.leadCluster(false);
                } else {
                  trackers.deactivate();
                  pushEngine.deactivate();
                  service.deactivate();
                }
                watched.leadershipChanged();
              }
            });
    leadership.start();
    opened.push(leadership);
    // A standby keeps its channels to the agents connected: a take-over then starts with calls.
    Runnable warm =
        () -> {
          if (!isLeader() || config.dvsOwnership()) {
            hostStore.cached().forEach(h -> pushChannels.connect(h.getEndpoint()));
          }
        };
    hostStore.addListener(warm);
    warm.run();
    awaitFirstClaims();
    watched.started();
    LOG.info(
        "manager {} serving {} on {} with ZooKeeper {}",
        id,
        config.insecurePlaintext() ? "plaintext" : "TLS",
        endpoint(),
        zookeeper);
  }

  /**
   * Leadership per DVS: the push side and the configuration domain start with no DVS, then this
   * manager registers, claims its share and gains and loses DVSes one by one; the parts open in
   * this order and close in reverse (ownership first: it stops and releases every DVS while the
   * push side and ZooKeeper still work, so the others claim at once).
   */
  private void startOwnership(CuratorFramework client, OwnerStore ownerStore, VmTrackers trackers) {
    service.ownDvses(
        new ConfigService.OwnerRefusal() {
          @Override
          public SwitchplaneException notOwner(String dvsId, String dvsName) {
            return SwitchplaneManager.this.notOwner(dvsId, dvsName);
          }

          @Override
          public boolean awaitOwned(String dvsId) {
            return SwitchplaneManager.this.awaitOwned(dvsId);
          }
        });
    pushEngine.activate(List.of());
    ManagerRegistry registry = new ManagerRegistry(client, id, endpoint());
    DvsOwnership owned =
        new DvsOwnership(
            client,
            registry,
            ownerStore,
            new DvsOwnership.Listener() {
              @Override
              public void gained(String dvsId, long epoch) {
                deletions.forget(dvsId);
                service.gained(dvsId, pushEngine::adopt);
                trackers.ownershipChanged();
              }

              @Override
              public void lost(String dvsId) {
                // A DVS this manager deleted keeps pushing its tombstones (at its last epoch).
                service.lost(
                    dvsId,
                    () -> {
                      if (!deletions.deleted(dvsId)) {
                        pushEngine.release(dvsId);
                      }
                    });
                trackers.ownershipChanged();
              }
            },
            pushEngine.metrics());
    ownership = owned;
    trackers.placeByDvsOwner(dvsId -> owned.owns(dvsId));
    ownerStore.start(owned::trigger);
    opened.push(ownerStore);
    registry.start(owned::trigger);
    opened.push(registry);
    owned.start();
    opened.push(owned);
  }

  /**
   * Leadership per DVS: before the manager reports itself serving, its first evaluation claimed and
   * loaded its share (a lone manager: every DVS), so a write right after start finds its DVS held.
   * Bounded: a manager that cannot claim yet still serves reads and refuses writes as UNAVAILABLE.
   */
  private void awaitFirstClaims() {
    DvsOwnership o = ownership;
    if (o == null) {
      return;
    }
    try {
      if (!o.awaitSettled(config.sessionTimeout().multipliedBy(2))) {
        LOG.warn("manager {}: its first DVS claims did not complete; serving anyway", id);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The epoch at which this manager owns dvsId now; empty when it does not (or no ownership). */
  private OptionalLong ownedEpoch(String dvsId) {
    DvsOwnership o = ownership;
    return o == null ? OptionalLong.empty() : o.epoch(dvsId);
  }

  /**
   * Who this manager pushes dvsId as: its id and epoch while it owns the DVS, or the last epoch of
   * a DVS it deleted (its tombstones); empty otherwise, and then no call is sent.
   */
  private Optional<PushOwner> pushOwner(String dvsId) {
    OptionalLong epoch = ownedEpoch(dvsId);
    if (epoch.isEmpty()) {
      epoch = deletions.epoch(dvsId);
    }
    return epoch.isEmpty()
        ? Optional.empty()
        : Optional.of(PushOwner.newBuilder().setManagerId(id).setEpoch(epoch.getAsLong()).build());
  }

  /** GetPushStatus of one DVS asks its owner: NOT_DVS_OWNER (naming it) anywhere else. */
  private void requireOwner(String dvsId, String dvsName) {
    if (ownedEpoch(dvsId).isEmpty() && deletions.epoch(dvsId).isEmpty() && !awaitOwned(dvsId)) {
      throw notOwner(dvsId, dvsName);
    }
  }

  /**
   * A migration (or its precheck) of vm runs on the owner of the DVS holding its ports: elsewhere
   * NOT_DVS_OWNER naming it. A VM with no port is left to the migration's own NOT_FOUND.
   */
  private void requireOwnerOfVm(String vm) {
    if (vm.isEmpty()) {
      return;
    }
    for (DvsConfig c : service.configs()) {
      boolean holds =
          c.ports().values().stream()
              .anyMatch(
                  p ->
                      p.getConnectee().hasVmNic()
                          && p.getConnectee().getVmNic().getVmUuid().equals(vm));
      if (holds) {
        service.requireOwned(c.id());
        return;
      }
    }
  }

  /**
   * How long a call naming a DVS this manager does not hold waits for it to claim it (when the rule
   * gives it this manager) before refusing: a DVS created a moment ago, or one whose owner left.
   */
  private static final Duration CLAIM_WAIT = Duration.ofSeconds(5);

  /** Waits up to {@link #CLAIM_WAIT} for this manager to own dvsId; true when it does. */
  private boolean awaitOwned(String dvsId) {
    DvsOwnership o = ownership;
    if (o == null) {
      return false;
    }
    try {
      return o.awaitHeld(dvsId, CLAIM_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The refusal naming dvsId's owner; UNAVAILABLE while this manager's ownership is starting. */
  private SwitchplaneException notOwner(String dvsId, String dvsName) {
    DvsOwnership o = ownership;
    if (o == null) {
      return SwitchplaneException.unavailable(
              "this manager is still joining the DVS ownership; retry shortly")
          .because(ErrorReason.NOT_DVS_OWNER);
    }
    return o.notOwner(dvsId, dvsName);
  }

  /** The live managers and what each owns (ListManagers). */
  private ListManagersResponse managers() {
    Map<String, String> names = new TreeMap<>();
    service.listDvs().forEach(d -> names.put(d.getId(), d.getName()));
    Leadership l = leadership;
    String leaderId = l == null ? "" : l.leaderId();
    DvsOwnership o = ownership;
    return o != null
        ? ManagerList.perDvs(o, names, leaderId)
        : ManagerList.singleLeader(id, endpoint(), leaderId, names);
  }

  /** This manager's DVS ownership; null unless it runs leadership per DVS (and has started). */
  public DvsOwnership ownership() {
    return ownership;
  }

  /** The VM trackers' lag and this manager's certificate expiry, read at each scrape. */
  private void registerGauges(Metrics metrics, VmTrackers trackers) {
    metrics.gauge(
        "switchplane_vmtracker_lag_seconds",
        "How far the VM tracker of each vCenter is behind vCenter's newest change.",
        List.of("vcenter"),
        cb ->
            trackers
                .trackers()
                .forEach(
                    t -> cb.call(t.syncStatus().lag().toMillis() / 1000.0, t.config().vcenter())));
    metrics.gauge(
        "switchplane_manager_certificate_expiry_timestamp_seconds",
        "When this manager's certificate expires (its not-after), Unix seconds.",
        List.of(),
        cb ->
            identity
                .current()
                .ifPresent(own -> cb.call(own.leaf().getNotAfter().toInstant().getEpochSecond())));
  }

  /** This manager's metrics registry (push counters and gauges, health, API refusals). */
  public Metrics metrics() {
    return pushEngine.metrics();
  }

  /** This manager's health: gRPC health, /readyz and their gauges. */
  public ManagerHealth health() {
    return managerHealth;
  }

  /**
   * TLS with this manager's certificate (renewed in place), accepting clients without a certificate
   * or with a valid certificate of the cluster CA naming clientRole; any other client certificate
   * fails the handshake.
   */
  private ServerCredentials tls(PeerIdentity.Role clientRole) {
    return TlsServerCredentials.newBuilder()
        .keyManager(identity.keyManager())
        .trustManager(
            new PeerTrust(ca::cachedCertificate, PeerTrust.role(clientRole), Clock.systemUTC()))
        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
        .build();
  }

  /**
   * The CA certificate (public) in DATA/ca.pem, where an operator on this machine finds what {@code
   * switchplane --ca} and {@code login --ca} need before they can reach any manager.
   */
  private void writeCaFile() {
    Path file = caFile();
    String pem = Certificates.toPem(ca.certificate().orElseThrow());
    try {
      Files.createDirectories(file.getParent());
      if (!Files.exists(file) || !Files.readString(file).equals(pem)) {
        Files.writeString(file, pem);
      }
    } catch (IOException e) {
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE,
          "cannot write the CA certificate to " + file + ": " + e.getMessage(),
          e);
    }
  }

  /** DATA/ca.pem: the cluster CA's certificate, written at start. */
  public Path caFile() {
    return config.dataDir().toAbsolutePath().resolve("ca.pem");
  }

  /**
   * What a client of this manager's operator API needs (no client certificate): TLS trusting the
   * cluster CA, or plaintext when the manager serves plaintext. For embedding and tests.
   */
  public ChannelCredentials operatorCredentials() {
    return config.insecurePlaintext()
        ? InsecureChannelCredentials.create()
        : OperatorTls.client(ca.certificate().orElseThrow(), Optional.empty());
  }

  /**
   * The agent port: TLS with this manager's certificate; agents enroll (no client certificate) and
   * renew (with theirs) here.
   */
  private void startAgentServer() {
    agentServer =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.bindHost(), config.agentPort()),
                tls(PeerIdentity.Role.HOST))
            .addService(
                ServerInterceptors.intercept(
                    MalformedRequests.refused(new EnrollmentGrpcService(ca, enrollments)),
                    TlsPeer.interceptor()))
            .addStreamTracerFactory(
                new ServerErrorCounter(pushEngine.metrics(), "switchplane_manager_agent_port"))
            .addStreamTracerFactory(new RefusalLog())
            .addTransportFilter(
                new TlsHandshakeFailures(pushEngine.metrics(), "switchplane_manager", "agent"))
            .build();
    try {
      agentServer.start();
    } catch (IOException e) {
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE,
          "cannot listen on "
              + config.bindHost()
              + ":"
              + config.agentPort()
              + ": "
              + e.getMessage(),
          e);
    }
    Server started = agentServer;
    opened.push(() -> stop(started));
  }

  /** The agent port (enrollment, renewal), the real one when configured with 0. */
  public int agentPort() {
    Server s = agentServer;
    if (s == null) {
      throw new IllegalStateException("manager not started");
    }
    return ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
  }

  /** host:port of the agent port. */
  public String agentEndpoint() {
    return config.bindHost() + ":" + agentPort();
  }

  /**
   * How this manager dials agents (mutual TLS checking each host's certificate, or loopback
   * plaintext).
   */
  public io.switchplane.manager.agents.AgentSecurity agentSecurity() {
    return agentSecurity;
  }

  /** The cluster CA. */
  public ClusterCa clusterCa() {
    return ca;
  }

  /** Issues this manager's certificate now if it has none (after the CA was made in-process). */
  public void refreshIdentity() {
    identity.refresh();
  }

  /** Host enrollment tokens and certificates. */
  public Enrollments enrollments() {
    return enrollments;
  }

  /**
   * The name in this manager's certificate: its id, with characters a certificate name cannot hold
   * replaced.
   */
  static String certificateName(String managerId) {
    String name = ("manager-" + managerId).replaceAll("[^A-Za-z0-9._:@\\[\\]-]", "-");
    return name.length() > 128 ? name.substring(0, 128) : name;
  }

  /** The port the operator API listens on (the real one when configured with 0). */
  public int port() {
    Server s = requireServer();
    return ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
  }

  /** host:port of the operator API. */
  public String endpoint() {
    return config.bindHost() + ":" + port();
  }

  /** This manager's id in the leader election. */
  public String id() {
    return id;
  }

  /** The ZooKeeper connect string in use (the embedded server's when none was configured). */
  public String zookeeper() {
    return zookeeper;
  }

  public PushEngine pushEngine() {
    return pushEngine;
  }

  /** The migrations of VMs' ports between hosts (for embedding and tests). */
  public Migrations migrations() {
    return migrations;
  }

  /** The configuration domain (for embedding, e.g. the local demo). */
  public ConfigService configService() {
    return service;
  }

  /** Whether this manager leads and has loaded its state, i.e. accepts writes and pushes. */
  public boolean isLeader() {
    ConfigService s = service;
    return s != null && s.isLeader();
  }

  /** Waits until this manager leads (and accepts writes); false when it does not within timeout. */
  public boolean awaitLeadership(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (leaderSignal) {
      while (!isLeader()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(leaderSignal, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  private GetManagerInfoResponse info() {
    Leadership l = leadership;
    DvsOwnership o = ownership;
    return GetManagerInfoResponse.newBuilder()
        .setManagerId(id == null ? "" : id)
        .setLeader(isLeader())
        .setLeaderId(l == null ? "" : l.leaderId())
        .setZookeeper(zookeeper == null ? "" : zookeeper)
        .setPerDvs(config.dvsOwnership())
        .setOwnedDvs(o == null ? 0 : o.held().size())
        .build();
  }

  /** Stops every part in reverse order of start. Idempotent. */
  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    if (managerHealth != null) {
      managerHealth.closed();
    }
    if (health != null) {
      health.enterTerminalState();
    }
    while (!opened.isEmpty()) {
      AutoCloseable part = opened.pop();
      try {
        part.close();
      } catch (Exception e) {
        // Keep closing the rest: a half-closed manager would leak ZooKeeper sessions and ports.
        LOG.warn("closing {} failed", part, e);
      }
    }
    LOG.info("manager {} stopped", id);
  }

  private void stopServer() throws InterruptedException {
    stop(server);
  }

  private static void stop(Server s) throws InterruptedException {
    s.shutdown();
    if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
      s.shutdownNow();
      s.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Server requireServer() {
    Server s = server;
    if (s == null) {
      throw new IllegalStateException("manager not started");
    }
    return s;
  }

  private static void awaitConnected(CuratorFramework client) {
    try {
      if (!client.blockUntilConnected((int) ZK_CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw SwitchplaneException.unavailable(
            "ZooKeeper not reachable within %d s", ZK_CONNECT_TIMEOUT.toSeconds());
      }
    } catch (InterruptedException e) {
      throw ZkErrors.translate(e, "connecting to ZooKeeper");
    }
  }
}
