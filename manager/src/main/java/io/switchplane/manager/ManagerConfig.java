package io.switchplane.manager;

import io.switchplane.manager.reconcile.PushSettings;
import io.switchplane.manager.snapshot.SnapshotPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a manager runs.
 *
 * @param bindHost address the operator gRPC API binds to (e.g. 127.0.0.1)
 * @param port operator API port; 0 picks a free one ({@link SwitchplaneManager#port()} tells which)
 * @param dataDir where the manager keeps local files (the embedded ZooKeeper's data under {@code
 *     zookeeper/})
 * @param zookeeper ZooKeeper connect string of an ensemble; null starts an embedded single-node
 *     server
 * @param zookeeperPort port of the embedded ZooKeeper (0 picks a free one); ignored with an
 *     ensemble
 * @param push how the leader pushes final states to agents
 * @param managerId this manager's id in the leader election; null uses its operator endpoint
 *     host:port
 * @param sessionTimeout the ZooKeeper session timeout: how long a dead leader keeps its leadership
 *     before another manager takes over. Keep it well below the confirm timeouts (default 30 s), so
 *     that a new leader can still confirm what the dead one had applied.
 * @param agentPort the agent port (TLS: enrollment and certificate renewal of agents), on bindHost;
 *     0 picks a free one ({@link SwitchplaneManager#agentPort()} tells which)
 * @param certLifetime how long the certificates the manager issues to agents and itself live
 * @param insecurePlaintext serve the operator API in plaintext instead of TLS with the manager's
 *     certificate of the cluster CA; refused at start unless bindHost is loopback
 * @param dvsOwnership leadership per DVS: every manager owns a fair share of the DVSes (see {@code
 *     owners.DvsOwnership}), writes and pushes only those, and refuses writes of the others naming
 *     their owner (the default); false: one leader writes and pushes every DVS
 */
public record ManagerConfig(
    String bindHost,
    int port,
    Path dataDir,
    String zookeeper,
    int zookeeperPort,
    PushSettings push,
    String managerId,
    Duration sessionTimeout,
    SnapshotPolicy snapshots,
    int agentPort,
    Duration certLifetime,
    boolean insecurePlaintext,
    boolean dvsOwnership) {
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_AGENT_PORT = 7402;
  public static final Duration DEFAULT_CERT_LIFETIME = Duration.ofDays(30);

  public ManagerConfig {
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(push, "push");
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    Objects.requireNonNull(snapshots, "snapshots");
    if (sessionTimeout.toMillis() < 2_000) {
      throw new IllegalArgumentException(
          "sessionTimeout must be at least 2 s, was " + sessionTimeout);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, was " + port);
    }
    if (agentPort < 0 || agentPort > 65535) {
      throw new IllegalArgumentException("agentPort must be 0-65535, was " + agentPort);
    }
    Objects.requireNonNull(certLifetime, "certLifetime");
    if (certLifetime.toSeconds() < 10) {
      throw new IllegalArgumentException("certLifetime must be at least 10 s, was " + certLifetime);
    }
    if (zookeeperPort < 0 || zookeeperPort > 65535) {
      throw new IllegalArgumentException("zookeeperPort must be 0-65535, was " + zookeeperPort);
    }
  }

  /**
   * A manager on 127.0.0.1, a free port, embedded ZooKeeper in dataDir, default push settings, the
   * operator API over TLS, leadership per DVS.
   */
  public static ManagerConfig local(Path dataDir) {
    return new ManagerConfig(
        "127.0.0.1",
        0,
        dataDir,
        null,
        0,
        PushSettings.defaults(),
        null,
        DEFAULT_SESSION_TIMEOUT,
        SnapshotPolicy.DEFAULT,
        0,
        DEFAULT_CERT_LIFETIME,
        false,
        true);
  }

  public ManagerConfig withPort(int newPort) {
    return new ManagerConfig(
        bindHost,
        newPort,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        managerId,
        sessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  public ManagerConfig withBindHost(String newBindHost) {
    return new ManagerConfig(
        newBindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        managerId,
        sessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  /** Use an existing ensemble instead of the embedded server. */
  public ManagerConfig withZookeeper(String connectString) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        connectString,
        zookeeperPort,
        push,
        managerId,
        sessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  public ManagerConfig withZookeeperPort(int newZookeeperPort) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        newZookeeperPort,
        push,
        managerId,
        sessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  public ManagerConfig withPush(PushSettings newPush) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        newPush,
        managerId,
        sessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  public ManagerConfig withManagerId(String newManagerId) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        newManagerId,
        sessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  public ManagerConfig withSessionTimeout(Duration newSessionTimeout) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        managerId,
        newSessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  public ManagerConfig withSnapshots(SnapshotPolicy newSnapshots) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        managerId,
        sessionTimeout,
        newSnapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  public ManagerConfig withAgentPort(int newAgentPort) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        managerId,
        sessionTimeout,
        snapshots,
        newAgentPort,
        certLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  public ManagerConfig withCertLifetime(Duration newCertLifetime) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        managerId,
        sessionTimeout,
        snapshots,
        agentPort,
        newCertLifetime,
        insecurePlaintext,
        dvsOwnership);
  }

  /** Plaintext operator API (loopback only; tests and embedding), or TLS (the default). */
  public ManagerConfig withInsecurePlaintext(boolean newInsecurePlaintext) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        managerId,
        sessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        newInsecurePlaintext,
        dvsOwnership);
  }

  /** Leadership per DVS (true) or one leader for every DVS (false, the default). */
  public ManagerConfig withDvsOwnership(boolean newDvsOwnership) {
    return new ManagerConfig(
        bindHost,
        port,
        dataDir,
        zookeeper,
        zookeeperPort,
        push,
        managerId,
        sessionTimeout,
        snapshots,
        agentPort,
        certLifetime,
        insecurePlaintext,
        newDvsOwnership);
  }

  /** Whether the manager starts its own ZooKeeper. */
  public boolean embeddedZookeeper() {
    return zookeeper == null || zookeeper.isBlank();
  }
}
