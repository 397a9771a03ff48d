package io.switchplane.rpc;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.PushAnswer;
import io.switchplane.api.v1.PushError;
import io.switchplane.api.v1.PushRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of one Push stream: each request is handed to the unary method of the same name
 * (so a request on the stream is answered exactly as the unary call would be, status mapping
 * included), and its response or status goes back under the request's id. Requests run in arrival
 * order on the stream's thread; a method may answer later from another thread (writes to the return
 * stream are serialized here). The stream ends when the manager ends it, the connection goes, or
 * the server stops ({@link Open#endAll}: once the requests running are answered).
 */
public final class PushStreamServer implements StreamObserver<PushRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(PushStreamServer.class);

  /** The open streams of one server, to end together when it stops. */
  public static final class Open {
    private final Set<PushStreamServer> streams = ConcurrentHashMap.newKeySet();

    /** Serves a new stream whose answers go to out, by service's unary methods. */
    public StreamObserver<PushRequest> serve(
        HostAgentServiceGrpc.AsyncService service, StreamObserver<PushAnswer> out) {
      PushStreamServer s = new PushStreamServer(service, out, this);
      streams.add(s);
      return s;
    }

    /** Ends every stream open, each once its running requests are answered. */
    public void endAll() {
      List.copyOf(streams).forEach(PushStreamServer::end);
    }
  }

  private final HostAgentServiceGrpc.AsyncService service;
  private final StreamObserver<PushAnswer> out;
  private final Open open;

  /** Requests taken and not answered yet. */
  private int running;

  /** The server is stopping: complete the stream once nothing runs. */
  private boolean ending;

  private boolean closed;

  /** Serves one stream whose answers go to out, by service's unary methods. */
  public PushStreamServer(
      HostAgentServiceGrpc.AsyncService service, StreamObserver<PushAnswer> out) {
    this(service, out, new Open());
  }

  private PushStreamServer(
      HostAgentServiceGrpc.AsyncService service, StreamObserver<PushAnswer> out, Open open) {
    this.service = service;
    this.out = out;
    this.open = open;
  }

  @Override
  public void onNext(PushRequest request) {
    synchronized (this) {
      if (closed || ending) {
        return; // the stream is ending: the manager asks again on a new one
      }
      running++;
    }
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
    open.streams.remove(this);
  }

  @Override
  public void onCompleted() {
    end(); // the manager sends nothing more: answer what runs, then end
  }

  /** Completes the stream once the requests running are answered; takes no new ones. */
  private synchronized void end() {
    ending = true;
    if (running == 0) {
      complete();
    }
  }

  /** Lock held. */
  private void complete() {
    if (closed) {
      return;
    }
    closed = true;
    open.streams.remove(this);
    try {
      out.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("push stream did not complete cleanly: {}", e.toString());
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
    running--;
    if (closed) {
      return; // the stream ended while the request ran: the manager asks again on a new one
    }
    try {
      out.onNext(answer);
    } catch (RuntimeException e) {
      // The call was cancelled under us (the manager went away).
      closed = true;
      open.streams.remove(this);
      LOG.debug("push answer {} not sent: {}", answer.getId(), e.toString());
      return;
    }
    if (ending && running == 0) {
      complete();
    }
  }
}
