package io.switchplane.agent.grpc;

import io.grpc.stub.StreamObserver;
import io.switchplane.agent.apply.ApplyPipeline;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.GetHistoryRequest;
import io.switchplane.api.v1.GetHistoryResponse;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.ListSwitchesRequest;
import io.switchplane.api.v1.ListSwitchesResponse;
import io.switchplane.api.v1.PushAnswer;
import io.switchplane.api.v1.PushRequest;
import io.switchplane.api.v1.RectifyRequest;
import io.switchplane.api.v1.RectifyResponse;
import io.switchplane.api.v1.RestoreGenerationRequest;
import io.switchplane.api.v1.RollbackRequest;
import io.switchplane.api.v1.RollbackResponse;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.HostStateValidator;
import io.switchplane.rpc.PushStreamServer;
import io.switchplane.rpc.UnaryCalls;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HostAgentService over gRPC: a thin adapter from proto requests to the {@link ApplyPipeline}.
 * Every failure becomes a status in one place ({@link #answer}).
 */
public final class HostAgentGrpcService extends HostAgentServiceGrpc.HostAgentServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgentGrpcService.class);

  private final ApplyPipeline pipeline;
  private final PushStreamServer.Open streams = new PushStreamServer.Open();

  public HostAgentGrpcService(ApplyPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Override
  public void apply(ApplyRequest request, StreamObserver<ApplyResponse> observer) {
    answer(
        observer,
        () -> {
          if (!request.hasDesired()) {
            throw SwitchplaneException.invalid("ApplyRequest without a desired state");
          }
          return pipeline.apply(
              request.getDesired(),
              request.getConfirmTimeoutMs(),
              request.getSupersedesNonce(),
              request.getOwner());
        });
  }

  /** The manager's push stream: every request is served by the unary method of its name. */
  @Override
  public StreamObserver<PushRequest> push(StreamObserver<PushAnswer> observer) {
    return streams.serve(this, observer);
  }

  /**
   * Ends every push stream once its requests are answered (the agent is stopping: a stream would
   * otherwise hold the server's graceful shutdown until it gives up).
   */
  public void endStreams() {
    streams.endAll();
  }

  @Override
  public void confirm(ConfirmRequest request, StreamObserver<ConfirmResponse> observer) {
    answer(
        observer,
        () ->
            pipeline.confirm(
                requireDvs(request.getDvsId()),
                requireGeneration(request.getGeneration()),
                request.getNonce(),
                request.getOwner()));
  }

  @Override
  public void rollback(RollbackRequest request, StreamObserver<RollbackResponse> observer) {
    answer(
        observer,
        () ->
            RollbackResponse.newBuilder()
                .setEvent(
                    pipeline.rollback(
                        requireDvs(request.getDvsId()),
                        requireGeneration(request.getGeneration()),
                        request.getNonce(),
                        request.getOwner()))
                .build());
  }

  @Override
  public void restoreGeneration(
      RestoreGenerationRequest request, StreamObserver<ApplyResponse> observer) {
    answer(
        observer,
        () ->
            pipeline.restore(
                requireDvs(request.getDvsId()),
                requireGeneration(request.getGeneration()),
                request.getConfirmTimeoutMs()));
  }

  @Override
  public void rectify(RectifyRequest request, StreamObserver<RectifyResponse> observer) {
    answer(
        observer,
        () ->
            RectifyResponse.newBuilder()
                .setSummary(pipeline.rectify(requireDvs(request.getDvsId())))
                .build());
  }

  private static String requireDvs(String dvsId) {
    if (dvsId.isEmpty()) {
      throw SwitchplaneException.invalid("dvs_id missing");
    }
    return dvsId;
  }

  private static long requireGeneration(long generation) {
    HostStateValidator.validateGeneration(generation, "generation");
    return generation;
  }

  @Override
  public void getState(GetStateRequest request, StreamObserver<GetStateResponse> observer) {
    answer(observer, () -> pipeline.state(request.getDvsId()));
  }

  @Override
  public void listSwitches(
      ListSwitchesRequest request, StreamObserver<ListSwitchesResponse> observer) {
    answer(observer, pipeline::list);
  }

  @Override
  public void getHistory(GetHistoryRequest request, StreamObserver<GetHistoryResponse> observer) {
    answer(
        observer,
        () ->
            GetHistoryResponse.newBuilder()
                .addAllEntries(pipeline.history(request.getDvsId()))
                .build());
  }

  /** Runs call and answers with its result, or with the status of its failure. */
  static <T> void answer(StreamObserver<T> observer, Supplier<T> call) {
    UnaryCalls.answer(observer, call, LOG);
  }
}
