package io.switchplane.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.rpc.metrics.Metrics;
import org.junit.jupiter.api.Test;

class AgentHealthTest {
  private final Metrics metrics = new Metrics();
  private final AgentHealth health = new AgentHealth().register(metrics);

  @Test
  void readyOnlyWhileServingAfterRecovery() {
    assertThat(health.notReadyReason()).contains("not started");
    assertThat(metrics.render())
        .contains(
            "switchplane_agent_ready 0.0\n",
            "switchplane_agent_phase{phase=\"not_started\"} 1.0\n",
            "switchplane_agent_phase{phase=\"serving\"} 0.0\n");

    health.enter(AgentHealth.Phase.OPENING);
    health.enter(AgentHealth.Phase.RECOVERING);
    assertThat(health.notReadyReason().orElseThrow()).startsWith("recovering");
    assertThat(metrics.total("switchplane_agent_ready")).isZero();

    health.enter(AgentHealth.Phase.SERVING);
    assertThat(health.notReadyReason()).isEmpty();
    assertThat(metrics.render())
        .contains(
            "switchplane_agent_ready 1.0\n", "switchplane_agent_phase{phase=\"serving\"} 1.0\n");

    health.enter(AgentHealth.Phase.CLOSED);
    health.enter(AgentHealth.Phase.SERVING);
    assertThat(health.phase()).as("closed is for good").isEqualTo(AgentHealth.Phase.CLOSED);
    assertThat(health.notReadyReason().orElseThrow()).contains("store closed");
  }
}
