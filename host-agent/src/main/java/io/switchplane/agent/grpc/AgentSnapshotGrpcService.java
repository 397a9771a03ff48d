package io.switchplane.agent.grpc;

import static io.switchplane.agent.grpc.HostAgentGrpcService.answer;

import io.grpc.stub.StreamObserver;
import io.switchplane.agent.store.SnapshotCopyStore;
import io.switchplane.api.v1.AgentSnapshotServiceGrpc;
import io.switchplane.api.v1.GetSnapshotCopyRequest;
import io.switchplane.api.v1.GetSnapshotCopyResponse;
import io.switchplane.api.v1.ListSnapshotCopiesRequest;
import io.switchplane.api.v1.ListSnapshotCopiesResponse;
import io.switchplane.api.v1.PutSnapshotCopyRequest;
import io.switchplane.api.v1.PutSnapshotCopyResponse;
import io.switchplane.common.error.SwitchplaneException;

/** The agent's snapshot copies: a thin adapter to {@link SnapshotCopyStore}. */
public final class AgentSnapshotGrpcService
    extends AgentSnapshotServiceGrpc.AgentSnapshotServiceImplBase {
  private final SnapshotCopyStore copies;
  private final String hostId;
  private final String hostName;

  public AgentSnapshotGrpcService(SnapshotCopyStore copies, String hostId, String hostName) {
    this.copies = copies;
    this.hostId = hostId;
    this.hostName = hostName;
  }

  @Override
  public void putSnapshotCopy(
      PutSnapshotCopyRequest r, StreamObserver<PutSnapshotCopyResponse> out) {
    answer(
        out,
        () -> {
          if (!r.hasSnapshot()) {
            throw SwitchplaneException.invalid("snapshot is required");
          }
          copies.put(r.getSnapshot(), r.getKeep());
          return PutSnapshotCopyResponse.getDefaultInstance();
        });
  }

  @Override
  public void listSnapshotCopies(
      ListSnapshotCopiesRequest r, StreamObserver<ListSnapshotCopiesResponse> out) {
    answer(
        out,
        () ->
            ListSnapshotCopiesResponse.newBuilder()
                .addAllSnapshots(copies.list(r.getDvsId()))
                .setHostId(hostId)
                .setHostName(hostName)
                .build());
  }

  @Override
  public void getSnapshotCopy(
      GetSnapshotCopyRequest r, StreamObserver<GetSnapshotCopyResponse> out) {
    answer(
        out,
        () ->
            GetSnapshotCopyResponse.newBuilder()
                .setSnapshot(
                    copies
                        .get(r.getSnapshotId())
                        .orElseThrow(
                            () ->
                                SwitchplaneException.notFound(
                                    "this agent holds no copy of snapshot %s", r.getSnapshotId())))
                .build());
  }
}
