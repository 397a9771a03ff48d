package io.switchplane.agent.grpc;

import static io.switchplane.agent.AgentFixtures.DVS_ID;
import static io.switchplane.agent.AgentFixtures.standard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.SharedNetty;
import io.switchplane.agent.store.RocksDatabase;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetHistoryRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceBlockingStub;
import io.switchplane.api.v1.ListSwitchesRequest;
import io.switchplane.api.v1.SwitchSummary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent over a real loopback socket, as the manager and grpcurl reach it. */
class HostAgentGrpcTest {
  @TempDir Path dir;

  private static ManagedChannel channel(HostAgent agent) {
    return Grpc.newChannelBuilder(agent.endpoint(), InsecureChannelCredentials.create()).build();
  }

  private static void shutdown(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static ApplyRequest apply(long generation, int vlanA) {
    return ApplyRequest.newBuilder().setDesired(standard(generation, vlanA, 20)).build();
  }

  private static ConfirmRequest confirm(long generation, String nonce) {
    return ConfirmRequest.newBuilder()
        .setDvsId(DVS_ID)
        .setGeneration(generation)
        .setNonce(nonce)
        .build();
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return Status.Code.OK;
  }

  @Test
  void servesTheAgentApiHealthAndErrorsOnLoopback() throws IOException, InterruptedException {
    try (HostAgent agent = new HostAgent(AgentConfig.of(0, dir).withInsecurePlaintext())) {
      agent.start();
      assertThat(agent.port()).isPositive();
      assertThat(agent.endpoint()).isEqualTo("127.0.0.1:" + agent.port());
      ManagedChannel channel = channel(agent);
      try {
        HostAgentServiceBlockingStub stub = HostAgentServiceGrpc.newBlockingStub(channel);

        ApplyResponse first = stub.apply(apply(1, 10));
        assertThat(first.getSummary().getAdded()).isEqualTo(5);
        assertThat(first.getNonce()).isNotEmpty();
        assertThat(stub.apply(apply(1, 10)).getAlreadyApplied()).isTrue();
        assertThat(code(() -> stub.apply(apply(2, 11)))).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(code(() -> stub.confirm(confirm(1, "not-the-nonce"))))
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> stub.confirm(confirm(2, first.getNonce()))))
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(stub.confirm(confirm(1, first.getNonce())).getConfirmedGeneration())
            .isEqualTo(1);
        assertThat(stub.confirm(confirm(1, first.getNonce())).getAlreadyConfirmed()).isTrue();
        assertThat(code(() -> stub.confirm(confirm(2, first.getNonce()))))
            .isEqualTo(Status.Code.FAILED_PRECONDITION);
        ApplyResponse second = stub.apply(apply(2, 11));
        assertThat(second.getSummary().getUpdated()).isEqualTo(3);
        assertThat(
                stub.getState(GetStateRequest.newBuilder().setDvsId(DVS_ID).build())
                    .getPending()
                    .getGeneration())
            .isEqualTo(2);
        stub.confirm(confirm(2, second.getNonce()));

        GetStateResponse state =
            stub.getState(GetStateRequest.newBuilder().setDvsId(DVS_ID).build());
        assertThat(state.getApplied()).isEqualTo(standard(2, 11, 20));
        assertThat(state.getBackend()).isEqualTo("memory");
        assertThat(state.getEffectivePortsList())
            .extracting(EffectivePort::getKey)
            .containsExactly("a1", "a2", "a3", "b1", "b2");
        assertThat(state.getBackendPortsList()).isEqualTo(state.getEffectivePortsList());

        assertThat(stub.listSwitches(ListSwitchesRequest.getDefaultInstance()).getSwitchesList())
            .containsExactly(
                SwitchSummary.newBuilder()
                    .setDvsId(DVS_ID)
                    .setDvsName("dvs1")
                    .setAppliedGeneration(2)
                    .setPortCount(5)
                    .build());
        assertThat(
                stub.getHistory(GetHistoryRequest.newBuilder().setDvsId(DVS_ID).build())
                    .getEntriesList())
            .extracting(e -> e.getGeneration())
            .containsExactly(2L, 1L);

        assertThatThrownBy(() -> stub.apply(apply(3, 5000)))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                  assertThat(e.getStatus().getDescription()).contains("5000");
                });
        assertThatThrownBy(() -> stub.apply(apply(1, 10)))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e ->
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThatThrownBy(
                () -> stub.getState(GetStateRequest.newBuilder().setDvsId("unknown").build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                  assertThat(e.getStatus().getDescription()).contains("unknown");
                });

        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(ServingStatus.SERVING);
        assertThat(
                health
                    .check(
                        HealthCheckRequest.newBuilder().setService(HostAgent.SERVICE_NAME).build())
                    .getStatus())
            .isEqualTo(ServingStatus.SERVING);
        assertThat(reflectedServices(channel))
            .contains(HostAgent.SERVICE_NAME, "grpc.health.v1.Health");
      } finally {
        shutdown(channel);
      }
    }
  }

  /** The services server reflection lists, as grpcurl's "list" asks for them. */
  private static List<String> reflectedServices(ManagedChannel channel) {
    List<String> names = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    response.getListServicesResponse().getServiceList().stream()
                        .map(ServiceResponse::getName)
                        .forEach(names::add);
                  }

                  @Override
                  public void onError(Throwable t) {
                    errors.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    Awaitility.await()
        .atMost(5, TimeUnit.SECONDS)
        .until(() -> !names.isEmpty() || !errors.isEmpty());
    requests.onCompleted();
    assertThat(errors).isEmpty();
    return names;
  }

  @Test
  void lightweightAgentsShareOneDatabaseAndNettyAndSurviveARestart()
      throws IOException, InterruptedException {
    try (RocksDatabase db = RocksDatabase.open(dir);
        SharedNetty netty = SharedNetty.create(1, 2)) {
      for (int round = 0; round < 2; round++) {
        HostAgent one =
            HostAgent.builder(AgentConfig.of(0, null).withInsecurePlaintext())
                .sharedStore(db, "agent-1/")
                .sharedNetty(netty)
                .build();
        HostAgent two =
            HostAgent.builder(AgentConfig.of(0, null).withInsecurePlaintext())
                .sharedStore(db, "agent-2/")
                .sharedNetty(netty)
                .build();
        try (one;
            two) {
          one.start();
          two.start();
          ManagedChannel c1 = channel(one);
          ManagedChannel c2 = channel(two);
          try {
            HostAgentServiceBlockingStub s1 = HostAgentServiceGrpc.newBlockingStub(c1);
            HostAgentServiceBlockingStub s2 = HostAgentServiceGrpc.newBlockingStub(c2);
            if (round == 0) {
              s1.apply(apply(1, 10));
            } else {
              // After the restart agent 1 restored its switch from the shared database; agent 2 has
              // none.
              assertThat(s1.apply(apply(1, 10)).getAlreadyApplied()).isTrue();
              assertThat(
                      s1.getState(GetStateRequest.newBuilder().setDvsId(DVS_ID).build())
                          .getBackendPortsCount())
                  .isEqualTo(5);
            }
            assertThat(s2.listSwitches(ListSwitchesRequest.getDefaultInstance()).getSwitchesCount())
                .isZero();
          } finally {
            shutdown(c1);
            shutdown(c2);
          }
        }
      }
    }
  }

  @Test
  void lifecycleIsGuarded() throws IOException {
    HostAgent agent = new HostAgent(AgentConfig.of(0, dir).withInsecurePlaintext());
    assertThatThrownBy(agent::port).isInstanceOf(IllegalStateException.class);
    agent.start();
    assertThatThrownBy(agent::start).isInstanceOf(IllegalStateException.class);
    agent.close();
    agent.close();
    assertThatThrownBy(agent::start).isInstanceOf(IllegalStateException.class);
  }
}
