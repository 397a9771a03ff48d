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
  private final VmRouting routing;

  /**
   * Leadership per DVS: a migration writes and pushes the VM's DVS, and its precheck reads what
   * that DVS's hosts realize (the owner's push status), so both run on its owner.
   */
  @FunctionalInterface
  public interface VmRouting {
    /** Nothing to check: one leader has every DVS. */
    VmRouting NONE = vm -> {};

    /** Throws NOT_DVS_OWNER (naming the owner) unless this manager owns the DVS of vm's ports. */
    void requireOwnerOf(String vm);
  }

  public MigrationGrpcService(Migrations migrations, VmRouting routing) {
    this.migrations = migrations;
    this.routing = routing;
  }

  @Override
  public void precheck(PrecheckRequest r, StreamObserver<PrecheckResponse> out) {
    call(
        out,
        () -> {
          routing.requireOwnerOf(r.getVm());
          return migrations.precheck(r.getVm(), r.getToHost());
        });
  }

  @Override
  public void migrate(MigrateRequest r, StreamObserver<MigrateResponse> out) {
    call(
        out,
        () -> {
          routing.requireOwnerOf(r.getVm());
          return migrations.migrate(
              r.getVm(), r.getToHost(), r.getConfirmTimeoutMs(), r.getDescription());
        });
  }
}
