package io.switchplane.manager.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PushAnswer;
import io.switchplane.api.v1.PushRequest;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.rpc.PushStreamServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The push stream against a real loopback gRPC server: answers by id, the agent's status with its
 * typed reason as the unary call has it, a request limit, the end of the stream, and unary calls
 * for an agent without the stream.
 */
class PushStreamTest {
  private final AgentChannels channels = newStreamedChannels();

  // The manager pushes with unary calls by default for now; these tests are the stream's.
  private static AgentChannels newStreamedChannels() {
    AgentChannels c = new AgentChannels();
    c.setStreamed(true);
    return c;
  }

  private final AtomicInteger pushStreams = new AtomicInteger();
  private final AtomicInteger unaryApplies = new AtomicInteger();
  private Server server;

  @AfterEach
  void close() {
    channels.close();
    if (server != null) {
      server.shutdownNow();
    }
  }

  /** An agent that applies any generation but 0 and confirms nothing (answers never). */
  private final class Agent extends HostAgentServiceGrpc.HostAgentServiceImplBase {
    private final boolean streams;

    Agent(boolean streams) {
      this.streams = streams;
    }

    @Override
    public StreamObserver<PushRequest> push(StreamObserver<PushAnswer> out) {
      if (!streams) {
        return super.push(out); // UNIMPLEMENTED, as an agent that predates the stream
      }
      pushStreams.incrementAndGet();
      return new PushStreamServer(this, out);
    }

    @Override
    public void apply(ApplyRequest request, StreamObserver<ApplyResponse> out) {
      if (!streams) {
        unaryApplies.incrementAndGet();
      }
      long generation = request.getDesired().getDvs().getGeneration();
      if (generation == 0) {
        out.onError(
            StatusMapping.toStatus(
                SwitchplaneException.precondition("older than the applied generation")
                    .because(ErrorReason.HOLDS_NEWER_GENERATION)));
        return;
      }
      out.onNext(ApplyResponse.newBuilder().setAppliedGeneration(generation).build());
      out.onCompleted();
    }

    @Override
    public void confirm(ConfirmRequest request, StreamObserver<ConfirmResponse> out) {
      // never answers: the request's deadline must end it
    }
  }

  private String start(boolean streams) throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new Agent(streams))
            .build()
            .start();
    return "127.0.0.1:" + server.getPort();
  }

  private static ApplyRequest apply(long generation) {
    return ApplyRequest.newBuilder()
        .setDesired(
            HostSwitchState.newBuilder()
                .setDvs(Dvs.newBuilder().setId("d").setGeneration(generation)))
        .build();
  }

  @Test
  void answersEachRequestOnOneStream() throws Exception {
    String endpoint = start(true);
    PushStream stream = channels.pushStream(endpoint);
    var first = stream.apply(apply(3), 5_000);
    var second = stream.apply(apply(4), 5_000);
    assertThat(second.get(5, TimeUnit.SECONDS).getAppliedGeneration()).isEqualTo(4);
    assertThat(first.get(5, TimeUnit.SECONDS).getAppliedGeneration()).isEqualTo(3);
    assertThat(channels.pushStream(endpoint)).isSameAs(stream);
    assertThat(pushStreams.get()).isEqualTo(1);
  }

  @Test
  void aRefusalKeepsItsCodeAndTypedReason() throws Exception {
    String endpoint = start(true);
    var refused = channels.pushStream(endpoint).apply(apply(0), 5_000);
    assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .satisfies(
            e -> {
              assertThat(Status.fromThrowable(e.getCause()).getCode())
                  .isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(StatusMapping.reason(e.getCause()))
                  .contains(ErrorReason.HOLDS_NEWER_GENERATION);
            });
    // the stream goes on after a refusal
    assertThat(
            channels
                .pushStream(endpoint)
                .apply(apply(5), 5_000)
                .get(5, TimeUnit.SECONDS)
                .getAppliedGeneration())
        .isEqualTo(5);
  }

  @Test
  void anUnansweredRequestEndsAtItsDeadline() throws Exception {
    String endpoint = start(true);
    var confirm =
        channels
            .pushStream(endpoint)
            .confirm(ConfirmRequest.newBuilder().setDvsId("d").setGeneration(1).build(), 200);
    assertThatThrownBy(() -> confirm.get(5, TimeUnit.SECONDS))
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e.getCause()).getCode())
                    .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void redialEndsTheStreamAndItsRequestsAsUnavailable() throws Exception {
    String endpoint = start(true);
    PushStream stream = channels.pushStream(endpoint);
    var confirm =
        stream.confirm(ConfirmRequest.newBuilder().setDvsId("d").setGeneration(1).build(), 30_000);
    channels.redial(endpoint);
    assertThatThrownBy(() -> confirm.get(5, TimeUnit.SECONDS))
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e.getCause()).getCode())
                    .isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(stream.hasEnded()).isTrue();
    PushStream next = channels.pushStream(endpoint);
    assertThat(next).isNotSameAs(stream);
    assertThat(next.apply(apply(7), 5_000).get(5, TimeUnit.SECONDS).getAppliedGeneration())
        .isEqualTo(7);
  }

  @Test
  void anAgentWithoutTheStreamGetsUnaryCalls() throws Exception {
    String endpoint = start(false);
    var applied = channels.pushStream(endpoint).apply(apply(2), 5_000);
    assertThat(applied.get(5, TimeUnit.SECONDS).getAppliedGeneration()).isEqualTo(2);
    assertThat(channels.pushStream(endpoint).unaryOnly()).isTrue();
    assertThat(
            channels
                .pushStream(endpoint)
                .apply(apply(3), 5_000)
                .get(5, TimeUnit.SECONDS)
                .getAppliedGeneration())
        .isEqualTo(3);
    assertThat(unaryApplies.get()).isEqualTo(2);
  }
}
