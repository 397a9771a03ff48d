package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.MigrateRequest;
import io.switchplane.api.v1.MigrateResponse;
import io.switchplane.api.v1.MigrationServiceGrpc;
import io.switchplane.api.v1.PrecheckRequest;
import io.switchplane.api.v1.PrecheckResponse;
import io.switchplane.manager.migration.Migrations;

/** The migration API: a thin adapter from proto to {@link Migrations}. */
public final class MigrationGrpcService extends MigrationServiceGrpc.MigrationServiceImplBase {
  private final Migrations migrations;

  public MigrationGrpcService(Migrations migrations) {
    this.migrations = migrations;
  }

  @Override
  public void precheck(PrecheckRequest r, StreamObserver<PrecheckResponse> out) {
    call(out, () -> migrations.precheck(r.getVm(), r.getToHost()));
  }

  @Override
  public void migrate(MigrateRequest r, StreamObserver<MigrateResponse> out) {
    call(
        out,
        () ->
            migrations.migrate(
                r.getVm(), r.getToHost(), r.getConfirmTimeoutMs(), r.getDescription()));
  }
}
