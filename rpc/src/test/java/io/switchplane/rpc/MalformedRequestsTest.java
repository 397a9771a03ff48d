package io.switchplane.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.ListSwitchesRequest;
import io.switchplane.api.v1.ListSwitchesResponse;
import io.switchplane.rpc.metrics.Metrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A malformed request is refused as INVALID_ARGUMENT; INTERNAL and UNKNOWN answers are counted. */
class MalformedRequestsTest {
  private final Metrics metrics = new Metrics();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                MalformedRequests.refused(
                    new HostAgentServiceGrpc.HostAgentServiceImplBase() {
                      @Override
                      public void getState(
                          GetStateRequest request, StreamObserver<GetStateResponse> out) {
                        out.onNext(
                            GetStateResponse.newBuilder()
                                .setBackend("dvs " + request.getDvsId())
                                .build());
                        out.onCompleted();
                      }

                      @Override
                      public void listSwitches(
                          ListSwitchesRequest request, StreamObserver<ListSwitchesResponse> out) {
                        throw new IllegalStateException("a bug"); // gRPC answers UNKNOWN
                      }
                    }))
            .addStreamTracerFactory(new ServerErrorCounter(metrics, "switchplane_test"))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aRequestThatDoesNotParseIsRefusedAsInvalidArgumentAndAValidOneIsServed() {
    GetStateResponse ok =
        HostAgentServiceGrpc.newBlockingStub(channel)
            .getState(GetStateRequest.newBuilder().setDvsId("d1").build());
    assertThat(ok.getBackend()).isEqualTo("dvs d1");

    byte[] notUtf8 = {
      0x0a, 0x02, (byte) 0xFF, (byte) 0xFE
    }; // field 1 (dvs_id), two bytes that are not UTF-8
    Status status = raw(HostAgentServiceGrpc.getGetStateMethod().getFullMethodName(), notUtf8);
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription())
        .startsWith("malformed request: not a valid GetState request (")
        .contains("UTF-8");
    Status truncated =
        raw(
            HostAgentServiceGrpc.getGetStateMethod().getFullMethodName(),
            new byte[] {0x0a, 0x05, 'a'});
    assertThat(truncated.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(metrics.render()).doesNotContain("switchplane_test_grpc_server_errors_total{");
  }

  @Test
  void aRequestOverTheLimitsIsRefusedBeforeTheServiceSeesIt() {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                HostAgentServiceGrpc.newBlockingStub(channel)
                    .getState(GetStateRequest.newBuilder().setDvsId("d".repeat(20_000)).build()));
    // The service would have echoed the id in its answer; it never ran.
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .isEqualTo("dvs_id has 20000 characters, the limit is 1024");
  }

  @Test
  void anUnknownAnswerIsCountedByMethod() {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                HostAgentServiceGrpc.newBlockingStub(channel)
                    .listSwitches(ListSwitchesRequest.getDefaultInstance()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
    // The tracer hears the close after the client may already have its answer.
    await()
        .untilAsserted(
            () ->
                assertThat(metrics.render())
                    .contains(
                        "switchplane_test_grpc_server_errors_total{method=\"switchplane.v1.HostAgentService/ListSwitches\"} 1"));
  }

  private Status raw(String method, byte[] request) {
    MethodDescriptor.Marshaller<byte[]> bytes =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
          }

          @Override
          public byte[] parse(InputStream stream) {
            try {
              return stream.readAllBytes();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        };
    try {
      ClientCalls.blockingUnaryCall(
          channel,
          MethodDescriptor.<byte[], byte[]>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(method)
              .setRequestMarshaller(bytes)
              .setResponseMarshaller(bytes)
              .build(),
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          request);
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }
}
