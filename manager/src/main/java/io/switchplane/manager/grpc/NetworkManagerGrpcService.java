package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.present;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.ListNetworksRequest;
import io.switchplane.api.v1.ListNetworksResponse;
import io.switchplane.api.v1.NetworkManagerServiceGrpc;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PublishNetworkRequest;
import io.switchplane.api.v1.PublishNetworkResponse;
import io.switchplane.api.v1.UpdateNetworkRequest;
import io.switchplane.api.v1.UpdateNetworkResponse;
import io.switchplane.api.v1.WithdrawNetworkRequest;
import io.switchplane.api.v1.WithdrawNetworkResponse;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.changeset.Author;
import io.switchplane.manager.netmgr.PublishedNetworks;
import io.switchplane.manager.service.ConfigService.CommitResult;

/**
 * A network manager's API: a thin adapter to {@link PublishedNetworks}. The network manager is the
 * authenticated caller (the access policy lets only the network-manager role write here), so its
 * name comes from {@link Caller}, never from the request.
 */
public final class NetworkManagerGrpcService
    extends NetworkManagerServiceGrpc.NetworkManagerServiceImplBase {
  private final PublishedNetworks networks;

  public NetworkManagerGrpcService(PublishedNetworks networks) {
    this.networks = networks;
  }

  @Override
  public void publishNetwork(PublishNetworkRequest r, StreamObserver<PublishNetworkResponse> out) {
    call(
        out,
        () -> {
          present(r.hasSettings(), "settings");
          CommitResult c =
              networks.publish(
                  caller(),
                  required(r.getDvs(), "dvs"),
                  required(r.getLogicalNetworkId(), "logical_network_id"),
                  r.getSettings(),
                  r.getExpectedGeneration());
          return PublishNetworkResponse.newBuilder()
              .setPortGroup(touched(c))
              .setGeneration(c.generation())
              .build();
        });
  }

  @Override
  public void updateNetwork(UpdateNetworkRequest r, StreamObserver<UpdateNetworkResponse> out) {
    call(
        out,
        () -> {
          present(r.hasSettings() || r.hasUpdateMask(), "settings");
          CommitResult c =
              networks.update(
                  caller(),
                  required(r.getLogicalNetworkId(), "logical_network_id"),
                  r.getSettings(),
                  r.hasUpdateMask() ? r.getUpdateMask() : null,
                  r.getExpectedGeneration());
          return UpdateNetworkResponse.newBuilder()
              .setPortGroup(touched(c))
              .setGeneration(c.generation())
              .build();
        });
  }

  @Override
  public void withdrawNetwork(
      WithdrawNetworkRequest r, StreamObserver<WithdrawNetworkResponse> out) {
    call(
        out,
        () ->
            WithdrawNetworkResponse.newBuilder()
                .setGeneration(
                    networks
                        .withdraw(
                            caller(),
                            required(r.getLogicalNetworkId(), "logical_network_id"),
                            r.getExpectedGeneration())
                        .generation())
                .build());
  }

  @Override
  public void listNetworks(ListNetworksRequest r, StreamObserver<ListNetworksResponse> out) {
    call(
        out,
        () ->
            ListNetworksResponse.newBuilder().addAllNetworks(networks.list(r.getOwner())).build());
  }

  private static Author caller() {
    return Author.networkManager(Caller.current().principal());
  }

  private static PortGroup touched(CommitResult c) {
    return c.after().portGroups().get(c.plan().portGroupIds().get(0));
  }
}
