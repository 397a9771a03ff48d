package io.switchplane.agent.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchplane.agent.modules.PublishedValues;
import io.switchplane.api.v1.AgentPublishedRequest;
import io.switchplane.api.v1.AgentPublishedResponse;
import io.switchplane.api.v1.HostPropertyServiceGrpc;
import io.switchplane.api.v1.PublishedProperty;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;

/** HostPropertyService: what this agent's property modules published, read or followed. */
public final class HostPropertyGrpcService
    extends HostPropertyServiceGrpc.HostPropertyServiceImplBase {
  private final PublishedValues published;

  public HostPropertyGrpcService(PublishedValues published) {
    this.published = published;
  }

  @Override
  public void getPublished(AgentPublishedRequest r, StreamObserver<AgentPublishedResponse> out) {
    HostAgentGrpcService.answer(
        out,
        () ->
            AgentPublishedResponse.newBuilder()
                .addAllValues(published.list(requiredDvsId(r), r.getNamespace()))
                .build());
  }

  @Override
  public void watchPublished(AgentPublishedRequest r, StreamObserver<PublishedProperty> out) {
    try {
      requiredDvsId(r);
    } catch (SwitchplaneException e) {
      out.onError(StatusMapping.toStatus(e));
      return;
    }
    ServerCallStreamObserver<PublishedProperty> call =
        (ServerCallStreamObserver<PublishedProperty>) out;
    // Subscribe first, then send what is there: a publication in between is sent twice, never lost.
    Runnable stop =
        published.watch(
            p -> {
              if (p.getDvsId().equals(r.getDvsId())
                  && (r.getNamespace().isEmpty() || p.getNamespace().equals(r.getNamespace()))) {
                synchronized (call) {
                  if (!call.isCancelled()) {
                    call.onNext(p);
                  }
                }
              }
            });
    call.setOnCancelHandler(stop::run);
    synchronized (call) {
      published.list(r.getDvsId(), r.getNamespace()).forEach(call::onNext);
    }
  }

  private static String requiredDvsId(AgentPublishedRequest r) {
    if (r.getDvsId().isEmpty()) {
      throw SwitchplaneException.invalid("dvs_id is required");
    }
    return r.getDvsId();
  }
}
