package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.AuditServiceGrpc;
import io.switchplane.api.v1.GetChangeRequest;
import io.switchplane.api.v1.GetChangeResponse;
import io.switchplane.api.v1.ListChangesRequest;
import io.switchplane.api.v1.ListChangesResponse;
import io.switchplane.manager.audit.ChangeLog;

/** The AuditService over gRPC: a thin adapter to {@link ChangeLog}. */
public final class AuditGrpcService extends AuditServiceGrpc.AuditServiceImplBase {
  private final ChangeLog log;

  public AuditGrpcService(ChangeLog log) {
    this.log = log;
  }

  @Override
  public void listChanges(ListChangesRequest r, StreamObserver<ListChangesResponse> out) {
    call(
        out,
        () ->
            ListChangesResponse.newBuilder()
                .addAllRecords(log.list(r.getDvs(), r.getLimit(), r.getRequestId()))
                .build());
  }

  @Override
  public void getChange(GetChangeRequest r, StreamObserver<GetChangeResponse> out) {
    call(
        out,
        () ->
            GetChangeResponse.newBuilder()
                .setRecord(log.get(required(r.getDvs(), "dvs"), r.getGeneration()))
                .build());
  }
}
