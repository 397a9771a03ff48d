package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.CreateSnapshotRequest;
import io.switchplane.api.v1.CreateSnapshotResponse;
import io.switchplane.api.v1.DeleteSnapshotRequest;
import io.switchplane.api.v1.DeleteSnapshotResponse;
import io.switchplane.api.v1.DiffSnapshotsRequest;
import io.switchplane.api.v1.DiffSnapshotsResponse;
import io.switchplane.api.v1.GetSnapshotRequest;
import io.switchplane.api.v1.GetSnapshotResponse;
import io.switchplane.api.v1.ImportSnapshotRequest;
import io.switchplane.api.v1.ImportSnapshotResponse;
import io.switchplane.api.v1.ListSnapshotsRequest;
import io.switchplane.api.v1.ListSnapshotsResponse;
import io.switchplane.api.v1.RecoverFromAgentsRequest;
import io.switchplane.api.v1.RecoverFromAgentsResponse;
import io.switchplane.api.v1.RestoreSnapshotRequest;
import io.switchplane.api.v1.RestoreSnapshotResponse;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.api.v1.SnapshotServiceGrpc;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.snapshot.Recovery;
import io.switchplane.manager.snapshot.Restores;
import io.switchplane.manager.snapshot.SnapshotCatalog;

/**
 * The snapshot API: a thin adapter from proto to {@link SnapshotCatalog}, {@link Restores} and
 * {@link Recovery}.
 */
public final class SnapshotGrpcService extends SnapshotServiceGrpc.SnapshotServiceImplBase {
  private final SnapshotCatalog catalog;
  private final Restores restores;
  private final Recovery recovery;

  public SnapshotGrpcService(SnapshotCatalog catalog, Restores restores, Recovery recovery) {
    this.catalog = catalog;
    this.restores = restores;
    this.recovery = recovery;
  }

  @Override
  public void createSnapshot(CreateSnapshotRequest r, StreamObserver<CreateSnapshotResponse> out) {
    call(
        out,
        () ->
            CreateSnapshotResponse.newBuilder()
                .setSnapshot(catalog.create(required(r.getDvs(), "dvs"), r.getName()))
                .build());
  }

  @Override
  public void listSnapshots(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> out) {
    call(
        out,
        () ->
            ListSnapshotsResponse.newBuilder()
                .addAllSnapshots(catalog.list(r.getDvs(), r.getIncludeCheckpoints()))
                .build());
  }

  @Override
  public void getSnapshot(GetSnapshotRequest r, StreamObserver<GetSnapshotResponse> out) {
    call(
        out,
        () ->
            GetSnapshotResponse.newBuilder()
                .setSnapshot(catalog.get(catalog.find(r.getSnapshot(), r.getDvs())))
                .build());
  }

  @Override
  public void deleteSnapshot(DeleteSnapshotRequest r, StreamObserver<DeleteSnapshotResponse> out) {
    call(
        out,
        () -> {
          catalog.delete(catalog.find(r.getSnapshot(), r.getDvs()));
          return DeleteSnapshotResponse.getDefaultInstance();
        });
  }

  @Override
  public void importSnapshot(ImportSnapshotRequest r, StreamObserver<ImportSnapshotResponse> out) {
    call(
        out,
        () ->
            ImportSnapshotResponse.newBuilder()
                .setSnapshot(catalog.importFile(r.getFile().toByteArray(), r.getName()))
                .build());
  }

  @Override
  public void diffSnapshots(DiffSnapshotsRequest r, StreamObserver<DiffSnapshotsResponse> out) {
    call(
        out,
        () -> {
          SnapshotInfo from = catalog.find(required(r.getFrom(), "from"), r.getDvs());
          if (r.getCurrent() == !r.getTo().isEmpty()) {
            throw SwitchplaneException.invalid(
                "give either to (another snapshot) or current, not %s",
                r.getCurrent() ? "both" : "neither");
          }
          SnapshotInfo to = r.getCurrent() ? null : catalog.find(r.getTo(), r.getDvs());
          return DiffSnapshotsResponse.newBuilder()
              .addAllChanges(catalog.diff(from, to, r.getCurrent() ? r.getDvs() : ""))
              .build();
        });
  }

  @Override
  public void restoreSnapshot(
      RestoreSnapshotRequest r, StreamObserver<RestoreSnapshotResponse> out) {
    call(out, () -> restores.restore(r));
  }

  @Override
  public void recoverFromAgents(
      RecoverFromAgentsRequest r, StreamObserver<RecoverFromAgentsResponse> out) {
    call(out, () -> recovery.recover(r));
  }
}
