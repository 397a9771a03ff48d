package io.switchplane.manager.health;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.rpc.health.Readiness;
import io.switchplane.rpc.metrics.Metrics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * What a manager's health says, kept up to date as its ZooKeeper session and its leadership change:
 *
 * <ul>
 *   <li>gRPC health {@code ""} and {@value #SERVICE}: SERVING while the manager runs with a
 *       ZooKeeper session (it can read and, if it leads, write), NOT_SERVING otherwise;
 *   <li>{@value #LEADER_SERVICE}: SERVING only on the leader with a session, the one manager that
 *       accepts writes and pushes (load balancers and probes that want the writer ask for it);
 *   <li>{@code /readyz}: ready as {@value #SERVICE}, else the reason;
 *   <li>gauges {@code switchplane_manager_ready}, {@code switchplane_manager_leader} and {@code
 *       switchplane_manager_zookeeper_connected}.
 * </ul>
 *
 * <p>Thread-safe. The manager calls {@link #started}, {@link #zookeeper} and {@link
 * #leadershipChanged} as things happen; leadership itself is read from leader (no copy to go
 * stale).
 */
public final class ManagerHealth implements Readiness {
  /** The operator API's health name. */
  public static final String SERVICE = ManagerServiceGrpc.SERVICE_NAME;

  /** Serving only on the leader: the manager that accepts writes. */
  public static final String LEADER_SERVICE = SERVICE + ".leader";

  private final BooleanSupplier leader;
  private final HealthStatusManager grpc;
  private final Map<String, ServingStatus> published = new ConcurrentHashMap<>();
  private boolean started;
  private boolean closed;
  private boolean zookeeperConnected = true;

  /**
   * @param leader whether this manager leads and has loaded its state
   * @param grpc the health service to keep up to date
   */
  public ManagerHealth(BooleanSupplier leader, HealthStatusManager grpc) {
    this.leader = leader;
    this.grpc = grpc;
    publish();
  }

  /** Registers the gauges on metrics. */
  public ManagerHealth register(Metrics metrics) {
    metrics.gauge(
        "switchplane_manager_ready",
        "1 while the manager runs with a ZooKeeper session (as /readyz), else 0.",
        List.of(),
        cb -> cb.call(notReadyReason().isEmpty() ? 1 : 0));
    metrics.gauge(
        "switchplane_manager_leader",
        "1 while this manager leads (accepts writes, pushes), else 0.",
        List.of(),
        cb -> cb.call(leads() ? 1 : 0));
    metrics.gauge(
        "switchplane_manager_zookeeper_connected",
        "1 while the manager's ZooKeeper session is connected, 0 while suspended or lost.",
        List.of(),
        cb -> cb.call(zookeeperConnected() ? 1 : 0));
    return this;
  }

  /** The manager serves. */
  public synchronized void started() {
    started = true;
    publish();
  }

  /** The manager stops; NOT_SERVING for good. */
  public synchronized void closed() {
    closed = true;
    publish();
  }

  /** The ZooKeeper session is connected (CONNECTED, RECONNECTED) or not (SUSPENDED, LOST). */
  public synchronized void zookeeper(boolean connected) {
    zookeeperConnected = connected;
    publish();
  }

  /** Leadership was gained or lost: the leader-only status follows. */
  public synchronized void leadershipChanged() {
    publish();
  }

  public synchronized boolean zookeeperConnected() {
    return zookeeperConnected;
  }

  /** Whether this manager leads (and has loaded its state). */
  public boolean leads() {
    return leader.getAsBoolean();
  }

  @Override
  public synchronized Optional<String> notReadyReason() {
    if (closed) {
      return Optional.of("stopped");
    }
    if (!started) {
      return Optional.of("starting");
    }
    if (!zookeeperConnected) {
      return Optional.of("no ZooKeeper session");
    }
    return Optional.empty();
  }

  /** The status last given to the health service for name (UNKNOWN: none). */
  public ServingStatus status(String name) {
    return published.getOrDefault(name, ServingStatus.UNKNOWN);
  }

  private void publish() {
    boolean ready = notReadyReason().isEmpty();
    set("", ready);
    set(SERVICE, ready);
    set(LEADER_SERVICE, ready && leads());
  }

  private void set(String name, boolean serving) {
    ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (published.put(name, status) != status) {
      grpc.setStatus(name, status);
    }
  }
}
