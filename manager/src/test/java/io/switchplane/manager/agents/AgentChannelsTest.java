package io.switchplane.manager.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.manager.reconcile.FakeAgent;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AgentChannelsTest {
  @Test
  void cachesOneChannelPerEndpointAndShutsThemDownOnClose() {
    try (FakeAgent agent = FakeAgent.start(0)) {
      AgentChannels channels = new AgentChannels();
      ManagedChannel first = channels.channel(agent.endpoint());

      assertThat(channels.channel(agent.endpoint())).isSameAs(first);
      assertThat(channels.size()).isEqualTo(1);
      assertThat(
              channels
                  .futureStub(agent.endpoint())
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .getState(GetStateRequest.newBuilder().setDvsId("none").build()))
          .failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(ExecutionException.class)
          .havingCause()
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      channels.resetConnectBackoff(agent.endpoint());
      channels.resetConnectBackoff("unknown:1");

      channels.close();

      assertThat(first.isTerminated()).isTrue();
      assertThatThrownBy(() -> channels.channel(agent.endpoint()))
          .isInstanceOf(IllegalStateException.class);
    }
  }
}
