package io.switchplane.rpc;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.PushAnswer;
import io.switchplane.api.v1.PushError;
import io.switchplane.api.v1.PushRequest;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of one Push stream: each request is handed to the unary method of the same name
 * (so a request on the stream is answered exactly as the unary call would be, status mapping
 * included), and its response or status goes back under the request's id. Requests run in arrival
 * order on the stream's thread; a method may answer later from another thread (writes to the return
 * stream are serialized here). The stream itself ends only when the manager ends it or the
 * connection goes.
 */
public final class PushStreamServer implements StreamObserver<PushRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(PushStreamServer.class);

  private final HostAgentServiceGrpc.AsyncService service;
  private final StreamObserver<PushAnswer> out;
  private boolean closed;

  /** Serves one stream whose answers go to out, by service's unary methods. */
  public PushStreamServer(
      HostAgentServiceGrpc.AsyncService service, StreamObserver<PushAnswer> out) {
    this.service = service;
    this.out = out;
  }

  @Override
  public void onNext(PushRequest request) {
    long id = request.getId();
    switch (request.getCallCase()) {
      case APPLY -> service.apply(request.getApply(), answer(id, PushAnswer.Builder::setApply));
      case CONFIRM ->
          service.confirm(request.getConfirm(), answer(id, PushAnswer.Builder::setConfirm));
      case ROLLBACK ->
          service.rollback(request.getRollback(), answer(id, PushAnswer.Builder::setRollback));
      case GET_STATE ->
          service.getState(request.getGetState(), answer(id, PushAnswer.Builder::setGetState));
      case CALL_NOT_SET ->
          send(
              PushAnswer.newBuilder()
                  .setId(id)
                  .setError(
                      PushError.newBuilder()
                          .setCode(Status.Code.INVALID_ARGUMENT.value())
                          .setMessage("push request without a call"))
                  .build());
    }
  }

  @Override
  public void onError(Throwable t) {
    // The manager went away or cancelled the stream: nothing is owed to it any more.
    LOG.debug("push stream ended by the manager: {}", Status.fromThrowable(t));
    synchronized (this) {
      closed = true;
    }
  }

  @Override
  public void onCompleted() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      out.onCompleted();
    }
  }

  /** The observer a unary method answers request id through. */
  private <R extends Message> StreamObserver<R> answer(
      long id, BiConsumer<PushAnswer.Builder, R> set) {
    return new StreamObserver<>() {
      @Override
      public void onNext(R response) {
        PushAnswer.Builder b = PushAnswer.newBuilder().setId(id);
        set.accept(b, response);
        send(b.build());
      }

      @Override
      public void onError(Throwable t) {
        com.google.rpc.Status status = StatusProto.fromThrowable(t);
        PushError.Builder error = PushError.newBuilder();
        if (status != null) {
          error
              .setCode(status.getCode())
              .setMessage(status.getMessage())
              .addAllDetails(status.getDetailsList());
        } else {
          Status s = Status.fromThrowable(t);
          error
              .setCode(s.getCode().value())
              .setMessage(s.getDescription() == null ? "" : s.getDescription());
        }
        send(PushAnswer.newBuilder().setId(id).setError(error).build());
      }

      @Override
      public void onCompleted() {
        // The answer went with onNext.
      }
    };
  }

  private synchronized void send(PushAnswer answer) {
    if (closed) {
      return; // the stream ended while the request ran: the manager asks again on a new one
    }
    try {
      out.onNext(answer);
    } catch (RuntimeException e) {
      // The call was cancelled under us (the manager went away).
      closed = true;
      LOG.debug("push answer {} not sent: {}", answer.getId(), e.toString());
    }
  }
}
