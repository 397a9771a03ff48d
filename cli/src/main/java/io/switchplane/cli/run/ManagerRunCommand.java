package io.switchplane.cli.run;

import io.switchplane.cli.ops.ManagerCommand;
import io.switchplane.cli.ops.ManagerListCommand;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.snapshot.SnapshotPolicy;
import io.switchplane.manager.status.StatusPage;
import io.switchplane.manager.status.StatusView;
import io.switchplane.rpc.metrics.MetricsHttpServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `switchplane manager`: runs a manager in the foreground. */
@Command(
    name = "manager",
    description = "Run a manager in the foreground (Ctrl-C stops it).",
    mixinStandardHelpOptions = true,
    subcommands = ManagerListCommand.class,
    defaultValueProvider = ConfigFile.class)
public final class ManagerRunCommand implements Callable<Integer> {
  @Option(
      names = ConfigFile.OPTION,
      paramLabel = "FILE",
      description =
          "Read options from FILE: key=value lines, each key a long option name without the dashes "
              + "(data-dir=/var/lib/switchplane-manager); options on the command line win.")
  Path config;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description =
          "Where to serve the operator API (default " + ManagerCommand.DEFAULT_MANAGER + ").")
  String listen = ManagerCommand.DEFAULT_MANAGER;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Local data, incl. the embedded ZooKeeper (default ./manager-data).")
  Path dataDir = Path.of("manager-data");

  @Option(
      names = "--zookeeper",
      paramLabel = "HOST:PORT,...",
      description = "Use this ZooKeeper ensemble instead of the embedded one.")
  String zookeeper;

  @Option(
      names = "--zookeeper-port",
      paramLabel = "PORT",
      description = "Port of the embedded ZooKeeper (default: a free one).")
  int zookeeperPort;

  @Option(
      names = "--id",
      description = "Id in the leader election (default: the operator endpoint).")
  String id;

  @Option(
      names = "--session-timeout-ms",
      paramLabel = "MS",
      description =
          "ZooKeeper session timeout: how soon "
              + "another manager takes over from a dead leader (default ${DEFAULT-VALUE}; keep it plus 2 s at most half the "
              + "shortest confirm timeout in use, or a leader's death may leave the agents to roll back first).")
  long sessionTimeoutMs = 10_000;

  @Option(
      names = "--drift-check-ms",
      paramLabel = "MS",
      description =
          "How often the leader reads every in-sync "
              + "host's switch for drift, changes made by hand (default ${DEFAULT-VALUE}; 0: never).")
  long driftCheckMs = 60_000;

  @Option(
      names = "--auto-rectify",
      description =
          "Bring drift back as soon as a drift check finds it (default: only "
              + "report it as out-of-sync; 'switchplane host rectify' brings it back).")
  boolean autoRectify;

  @Option(
      names = "--checkpoints",
      paramLabel = "N",
      description =
          "Automatic checkpoints kept per DVS, one per "
              + "committed generation (default: ${DEFAULT-VALUE}; 0: none).")
  int checkpoints = SnapshotPolicy.DEFAULT.keep();

  @Option(
      names = "--checkpoint-max-age-days",
      paramLabel = "DAYS",
      description =
          "Checkpoints older than this are "
              + "removed; the newest always stays (default: ${DEFAULT-VALUE}).")
  int checkpointMaxAgeDays = (int) SnapshotPolicy.DEFAULT.maxAge().toDays();

  @Option(
      names = "--checkpoint-copy-seconds",
      paramLabel = "S",
      description =
          "At most one copy of each DVS's newest "
              + "checkpoint to its member agents this often (default: ${DEFAULT-VALUE}; 0: checkpoints are not copied, "
              + "operators' snapshots still are).")
  long checkpointCopySeconds = SnapshotPolicy.DEFAULT_COPY_INTERVAL.toSeconds();

  @Option(
      names = "--agent-port",
      paramLabel = "PORT",
      description =
          "The agent port, on the --listen address: TLS, "
              + "where agents enroll and renew their certificates (default "
              + ManagerConfig.DEFAULT_AGENT_PORT
              + ", or a free "
              + "one when --listen asks for port 0; 0: a free one).")
  Integer agentPort;

  @Option(
      names = "--cert-lifetime-seconds",
      paramLabel = "S",
      description =
          "Lifetime of the certificates this "
              + "manager issues to agents and to itself; they renew at two thirds of it (default ${DEFAULT-VALUE}, 30 days).")
  long certLifetimeSeconds = ManagerConfig.DEFAULT_CERT_LIFETIME.toSeconds();

  @Option(
      names = "--insecure-plaintext",
      description =
          "Serve the operator API in plaintext instead of TLS; refused "
              + "unless --listen is a loopback address (tokens would travel in clear).")
  boolean insecurePlaintext;

  @Option(
      names = "--dvs-ownership",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Leadership per DVS (the default): the managers on one ZooKeeper share the DVSes (each"
              + " owns an even share and writes and pushes only those; a write sent to another"
              + " manager is refused naming the owner, and the CLI sends it there)."
              + " --no-dvs-ownership: one leader writes and pushes every DVS (give the same"
              + " choice to every manager of the cluster).")
  boolean dvsOwnership = true;

  @Option(
      names = "--metrics",
      paramLabel = "HOST:PORT",
      description =
          "Serve Prometheus metrics at http://HOST:PORT/metrics, liveness at /healthz,"
              + " readiness (a ZooKeeper session) at /readyz and the read-only status page at"
              + " http://HOST:PORT/ (default: off).")
  String metrics;

  @Mixin LogOptions log = new LogOptions();

  @Override
  public Integer call() {
    log.apply();
    Endpoint at = Endpoint.parse(listen);
    ManagerConfig config =
        ManagerConfig.local(dataDir)
            .withBindHost(at.host())
            .withPort(at.port())
            .withZookeeper(zookeeper)
            .withZookeeperPort(zookeeperPort)
            .withManagerId(id)
            .withSessionTimeout(java.time.Duration.ofMillis(sessionTimeoutMs))
            .withAgentPort(
                agentPort != null
                    ? agentPort
                    : at.port() == 0 ? 0 : ManagerConfig.DEFAULT_AGENT_PORT)
            .withCertLifetime(java.time.Duration.ofSeconds(certLifetimeSeconds))
            .withInsecurePlaintext(insecurePlaintext)
            .withDvsOwnership(dvsOwnership);
    config =
        config
            .withPush(
                config
                    .push()
                    .withDriftCheck(java.time.Duration.ofMillis(driftCheckMs), autoRectify))
            .withSnapshots(
                new SnapshotPolicy(
                    checkpoints,
                    java.time.Duration.ofDays(checkpointMaxAgeDays),
                    java.time.Duration.ofSeconds(checkpointCopySeconds)));
    SwitchplaneManager manager = new SwitchplaneManager(config).start();
    System.out.println(
        "manager serving on "
            + manager.endpoint()
            + " ("
            + (insecurePlaintext ? "plaintext" : "TLS")
            + "), agent port "
            + manager.agentEndpoint()
            + ", cluster CA in "
            + manager.caFile()
            + " (ZooKeeper "
            + manager.zookeeper()
            + (config.embeddedZookeeper() ? ", embedded, data in " + dataDir.toAbsolutePath() : "")
            + ")");
    MetricsHttpServer metricsServer =
        new MetricsHttpServer(manager.metrics().withJvmMetrics(), manager.health())
            .route("/", new StatusPage(StatusView.of(manager)));
    if (metrics != null) {
      Endpoint m = Endpoint.parse(metrics);
      int port = metricsServer.start(m.host(), m.port());
      System.out.println(
          "metrics on http://"
              + m.host()
              + ":"
              + port
              + "/metrics (and /healthz, /readyz), status page on http://"
              + m.host()
              + ":"
              + port
              + "/");
    }
    Daemons.runUntilStopped(metricsServer, manager);
    return 0;
  }
}
