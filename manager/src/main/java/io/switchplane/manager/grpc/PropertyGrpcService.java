package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.AgentPublishedRequest;
import io.switchplane.api.v1.GetPropertiesRequest;
import io.switchplane.api.v1.GetPropertiesResponse;
import io.switchplane.api.v1.GetPublishedRequest;
import io.switchplane.api.v1.GetPublishedResponse;
import io.switchplane.api.v1.HostPropertyServiceGrpc;
import io.switchplane.api.v1.ListNamespacesRequest;
import io.switchplane.api.v1.ListNamespacesResponse;
import io.switchplane.api.v1.PropertyChange;
import io.switchplane.api.v1.PropertyDelete;
import io.switchplane.api.v1.PropertyKeyRequest;
import io.switchplane.api.v1.PropertyServiceGrpc;
import io.switchplane.api.v1.PropertyUnset;
import io.switchplane.api.v1.PropertyWriteResponse;
import io.switchplane.api.v1.PublishedProperty;
import io.switchplane.api.v1.RegisterNamespaceRequest;
import io.switchplane.api.v1.RegisterNamespaceResponse;
import io.switchplane.api.v1.SetPropertyRequest;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.manager.agents.AgentChannels;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.service.ConfigService.CommitResult;
import io.switchplane.manager.service.PropertyService;
import java.util.concurrent.TimeUnit;

/**
 * PropertyService on the wire: a thin adapter to {@link PropertyService}; published module data is
 * read from (and streamed from) the host's agent.
 */
public final class PropertyGrpcService extends PropertyServiceGrpc.PropertyServiceImplBase {
  private final PropertyService properties;
  private final ConfigService config;
  private final AgentChannels agents;

  public PropertyGrpcService(
      PropertyService properties, ConfigService config, AgentChannels agents) {
    this.properties = properties;
    this.config = config;
    this.agents = agents;
  }

  @Override
  public void registerNamespace(
      RegisterNamespaceRequest r, StreamObserver<RegisterNamespaceResponse> out) {
    Unary.call(
        out,
        () ->
            RegisterNamespaceResponse.newBuilder()
                .setNamespace(
                    properties.registerNamespace(r.getName(), r.getOwner(), r.getDescription()))
                .build());
  }

  @Override
  public void listNamespaces(ListNamespacesRequest r, StreamObserver<ListNamespacesResponse> out) {
    Unary.call(
        out,
        () ->
            ListNamespacesResponse.newBuilder()
                .addAllNamespaces(properties.listNamespaces())
                .build());
  }

  @Override
  public void setProperty(SetPropertyRequest r, StreamObserver<PropertyWriteResponse> out) {
    Unary.call(
        out,
        () ->
            write(
                r.getDvs(),
                PropertyChange.newBuilder()
                    .setEntity(r.getEntity())
                    .setNamespace(r.getNamespace())
                    .setKey(r.getKey())
                    .setSetValue(r.getValue())
                    .build(),
                r.getExpectedGeneration()));
  }

  @Override
  public void unsetProperty(PropertyKeyRequest r, StreamObserver<PropertyWriteResponse> out) {
    Unary.call(
        out,
        () ->
            write(
                r.getDvs(),
                change(r).setUnset(PropertyUnset.getDefaultInstance()).build(),
                r.getExpectedGeneration()));
  }

  @Override
  public void deleteProperty(PropertyKeyRequest r, StreamObserver<PropertyWriteResponse> out) {
    Unary.call(
        out,
        () ->
            write(
                r.getDvs(),
                change(r).setDelete(PropertyDelete.getDefaultInstance()).build(),
                r.getExpectedGeneration()));
  }

  @Override
  public void getProperties(GetPropertiesRequest r, StreamObserver<GetPropertiesResponse> out) {
    Unary.call(
        out,
        () -> {
          String dvs = required(r.getDvs(), "dvs");
          return GetPropertiesResponse.newBuilder()
              .addAllValues(
                  properties.read(
                      dvs, r.getEntity(), r.getNamespace(), r.getKey(), r.getEffective()))
              .setGeneration(config.config(dvs).generation())
              .build();
        });
  }

  @Override
  public void getPublished(GetPublishedRequest r, StreamObserver<GetPublishedResponse> out) {
    Unary.call(
        out,
        () -> {
          Target t = target(r);
          try {
            return GetPublishedResponse.newBuilder()
                .addAllValues(
                    HostPropertyServiceGrpc.newBlockingStub(agents.channel(t.endpoint()))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .getPublished(t.request())
                        .getValuesList())
                .build();
          } catch (io.grpc.StatusRuntimeException e) {
            throw StatusMapping.fromStatus(e);
          }
        });
  }

  @Override
  public void watchPublished(GetPublishedRequest r, StreamObserver<PublishedProperty> out) {
    Target t;
    try {
      t = target(r);
    } catch (RuntimeException e) {
      out.onError(StatusMapping.toStatus(e));
      return;
    }
    // Relay the agent's stream; cancelling the operator's call cancels the agent's.
    ClientCall<AgentPublishedRequest, PublishedProperty> call =
        agents
            .channel(t.endpoint())
            .newCall(HostPropertyServiceGrpc.getWatchPublishedMethod(), CallOptions.DEFAULT);
    ServerCallStreamObserver<PublishedProperty> server =
        (ServerCallStreamObserver<PublishedProperty>) out;
    server.setOnCancelHandler(() -> call.cancel("the operator cancelled the watch", null));
    ClientCalls.asyncServerStreamingCall(
        call,
        t.request(),
        new StreamObserver<>() {
          @Override
          public void onNext(PublishedProperty value) {
            synchronized (server) {
              server.onNext(value);
            }
          }

          @Override
          public void onError(Throwable t) {
            if (!server.isCancelled()) {
              server.onError(StatusMapping.toStatus(t));
            }
          }

          @Override
          public void onCompleted() {
            server.onCompleted();
          }
        });
  }

  private record Target(String endpoint, AgentPublishedRequest request) {}

  private Target target(GetPublishedRequest r) {
    DvsConfig c = config.config(required(r.getDvs(), "dvs"));
    String endpoint = config.host(required(r.getHost(), "host")).getEndpoint();
    return new Target(
        endpoint,
        AgentPublishedRequest.newBuilder().setDvsId(c.id()).setNamespace(r.getNamespace()).build());
  }

  private static PropertyChange.Builder change(PropertyKeyRequest r) {
    return PropertyChange.newBuilder()
        .setEntity(r.getEntity())
        .setNamespace(r.getNamespace())
        .setKey(r.getKey());
  }

  private PropertyWriteResponse write(String dvs, PropertyChange change, long expected) {
    CommitResult c = properties.write(required(dvs, "dvs"), change, expected);
    return PropertyWriteResponse.newBuilder()
        .setGeneration(c.generation())
        .setHostsAffected(c.hostsAffected())
        .setUnchanged(c.unchanged())
        .build();
  }
}
