package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.MigrationServiceGrpc;
import io.switchplane.api.v1.PrecheckRequest;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.manager.migration.MigrationPrecheck;
import io.switchplane.manager.reconcile.HostStatusBook;
import io.switchplane.manager.service.ConfigService;
import java.util.HashSet;
import java.util.Set;

/**
 * The MigrationService over gRPC: a thin adapter to {@link MigrationPrecheck}, on the current
 * configuration and the realized networks the push engine's {@link HostStatusBook} holds.
 */
public final class MigrationGrpcService extends MigrationServiceGrpc.MigrationServiceImplBase {
  private final ConfigService service;
  private final HostStatusBook book;

  public MigrationGrpcService(ConfigService service, HostStatusBook book) {
    this.service = service;
    this.book = book;
  }

  @Override
  public void precheck(PrecheckRequest r, StreamObserver<PrecheckResponse> out) {
    call(
        out,
        () -> {
          String vm = required(r.getVm(), "vm");
          Host to = service.host(required(r.getToHost(), "to_host"));
          return new MigrationPrecheck(
                  service.configs(),
                  (dvsId, hostId) -> realized(dvsId, hostId),
                  id -> service.findHost(id).map(Host::getName).orElse(id))
              .check(vm, to.getId());
        });
  }

  private Set<String> realized(String dvsId, String hostId) {
    return book.get(dvsId, hostId)
        .map(s -> (Set<String>) new HashSet<>(s.getRealizedLogicalNetworksList()))
        .orElse(Set.of());
  }
}
