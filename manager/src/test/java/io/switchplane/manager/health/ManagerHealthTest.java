package io.switchplane.manager.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.switchplane.rpc.metrics.Metrics;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ManagerHealthTest {
  private final AtomicBoolean leads = new AtomicBoolean();
  private final Metrics metrics = new Metrics();
  private final ManagerHealth health =
      new ManagerHealth(leads::get, new HealthStatusManager()).register(metrics);

  @Test
  void notServingUntilStarted() {
    assertThat(health.status("")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.status(ManagerHealth.SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.notReadyReason()).contains("starting");

    health.started();

    assertThat(health.status("")).isEqualTo(ServingStatus.SERVING);
    assertThat(health.status(ManagerHealth.SERVICE)).isEqualTo(ServingStatus.SERVING);
    assertThat(health.notReadyReason()).isEmpty();
    assertThat(metrics.total("switchplane_manager_ready")).isEqualTo(1);
  }

  @Test
  void theLeaderOnlyNameFollowsLeadership() {
    health.started();
    assertThat(health.status(ManagerHealth.LEADER_SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(metrics.total("switchplane_manager_leader")).isZero();

    leads.set(true);
    health.leadershipChanged();
    assertThat(health.status(ManagerHealth.LEADER_SERVICE)).isEqualTo(ServingStatus.SERVING);
    assertThat(metrics.total("switchplane_manager_leader")).isEqualTo(1);

    leads.set(false);
    health.leadershipChanged();
    assertThat(health.status(ManagerHealth.LEADER_SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.status(ManagerHealth.SERVICE))
        .as("a standby still serves reads")
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void withoutAZooKeeperSessionNothingIsServingNotEvenTheLeader() {
    leads.set(true);
    health.started();

    health.zookeeper(false);

    assertThat(health.status("")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.status(ManagerHealth.SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.status(ManagerHealth.LEADER_SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.notReadyReason()).isEqualTo(Optional.of("no ZooKeeper session"));
    assertThat(metrics.render())
        .contains(
            "switchplane_manager_zookeeper_connected 0.0\n", "switchplane_manager_ready 0.0\n");

    health.zookeeper(true);

    assertThat(health.status(ManagerHealth.LEADER_SERVICE)).isEqualTo(ServingStatus.SERVING);
    assertThat(health.notReadyReason()).isEmpty();
    assertThat(metrics.total("switchplane_manager_zookeeper_connected")).isEqualTo(1);
  }

  @Test
  void closedStaysNotServing() {
    leads.set(true);
    health.started();

    health.closed();
    health.zookeeper(true);
    health.leadershipChanged();

    assertThat(health.status(ManagerHealth.SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.status(ManagerHealth.LEADER_SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.notReadyReason()).contains("stopped");
  }
}
