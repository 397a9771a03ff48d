package io.switchplane.manager.agents;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.util.Timeout;
import io.grpc.netty.shaded.io.netty.util.Timer;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostAgentServiceGrpc.HostAgentServiceFutureStub;
import io.switchplane.api.v1.PushAnswer;
import io.switchplane.api.v1.PushError;
import io.switchplane.api.v1.PushRequest;
import io.switchplane.api.v1.RollbackRequest;
import io.switchplane.api.v1.RollbackResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-lived Push stream to one agent (the manager's push path): Apply, Confirm, Rollback and
 * GetState go as messages on it and their answers come back under their ids, so a push costs a
 * message each way instead of a call's setup, headers and teardown twice. Each request completes
 * its future exactly as the unary call would: with the response, or failed with the status the
 * agent answered (details and typed reason included), DEADLINE_EXCEEDED when no answer came in
 * time, or UNAVAILABLE when the stream ended first (the agent restarted, the connection broke, or
 * {@link #end} was called). A request whose answer was lost may still have been done: callers treat
 * UNAVAILABLE and DEADLINE_EXCEEDED as they would for a unary call.
 *
 * <p>An agent that does not serve the stream (UNIMPLEMENTED: it predates it) gets the unary calls
 * instead, for the requests pending then and every later one ({@link #unaryOnly()}).
 *
 * <p>Thread-safe. Futures complete on the connection's Netty event loop (answers) or the timer
 * thread (deadlines); callbacks added with a direct executor must stay quick and never block. The
 * deadlines are a timer wheel's (a lock-free insert and cancel per request, instead of a scheduled
 * task in a locked queue).
 */
public final class PushStream {
  private static final Logger LOG = LoggerFactory.getLogger(PushStream.class);

  private final String endpoint;
  private final ManagedChannel channel;
  private final Timer timers;
  private final Map<Long, Request<?>> pending = new ConcurrentHashMap<>();
  private long nextId;

  /** The request side; null until opened, and after the stream ended. */
  private ClientCallStreamObserver<PushRequest> requests;

  /** Why the stream ended; null while it lives. */
  private Status ended;

  private volatile boolean unaryOnly;

  /**
   * A request and its typed result: completed straight from the answer (one future per request, no
   * transform or callback layer between the answer and the caller).
   */
  private static final class Request<R> {
    private final SettableFuture<R> result = SettableFuture.create();
    private final Function<PushAnswer, R> read;
    private final long deadlineNanos;

    /** Set once sent on the stream (guarded by the stream's lock until then). */
    private PushRequest request;

    /** Its deadline; null until set, just after it is put in pending. */
    private volatile Timeout timeout;

    private Request(Function<PushAnswer, R> read, long timeoutMs) {
      this.read = read;
      this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    }

    private void answered(PushAnswer a) {
      R r;
      try {
        r = result(a, read);
      } catch (RuntimeException e) {
        result.setException(e);
        return;
      }
      result.set(r);
    }

    /** The unary call's answer, read as the stream's would be. */
    private void answeredBy(ListenableFuture<PushAnswer> unary) {
      result.setFuture(
          Futures.transform(unary, a -> result(a, read), MoreExecutors.directExecutor()));
    }

    private void fail(Throwable t) {
      result.setException(t);
    }

    private void cancelTimeout() {
      Timeout t = timeout;
      if (t != null) {
        t.cancel();
      }
    }

    private long leftMs() {
      return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }
  }

  /**
   * A stream to endpoint over channel, opened on first use; timers runs the per-request limits.
   * unary: make unary calls instead (for comparison).
   */
  PushStream(String endpoint, ManagedChannel channel, Timer timers, boolean unary) {
    this.endpoint = endpoint;
    this.channel = channel;
    this.timers = timers;
    this.unaryOnly = unary;
  }

  /**
   * Whether this stream has ended (a new one must be made for further requests); one that found the
   * agent without the stream never ends: it makes unary calls.
   */
  synchronized boolean hasEnded() {
    return ended != null && !unaryOnly;
  }

  /** Whether the agent was found not to serve the stream: requests go as unary calls. */
  boolean unaryOnly() {
    return unaryOnly;
  }

  public ListenableFuture<ApplyResponse> apply(ApplyRequest request, long timeoutMs) {
    return call(
        PushRequest.newBuilder().setApply(request),
        timeoutMs,
        a -> a.hasApply() ? a.getApply() : null);
  }

  public ListenableFuture<ConfirmResponse> confirm(ConfirmRequest request, long timeoutMs) {
    return call(
        PushRequest.newBuilder().setConfirm(request),
        timeoutMs,
        a -> a.hasConfirm() ? a.getConfirm() : null);
  }

  public ListenableFuture<RollbackResponse> rollback(RollbackRequest request, long timeoutMs) {
    return call(
        PushRequest.newBuilder().setRollback(request),
        timeoutMs,
        a -> a.hasRollback() ? a.getRollback() : null);
  }

  public ListenableFuture<GetStateResponse> getState(GetStateRequest request, long timeoutMs) {
    return call(
        PushRequest.newBuilder().setGetState(request),
        timeoutMs,
        a -> a.hasGetState() ? a.getGetState() : null);
  }

  /**
   * Ends the stream: every request waiting fails with status (UNAVAILABLE: it may have been done).
   */
  void end(Status status) {
    ClientCallStreamObserver<PushRequest> open;
    synchronized (this) {
      if (ended != null) {
        return;
      }
      ended = status;
      open = requests;
      requests = null;
    }
    if (open != null) {
      try {
        open.cancel(status.getDescription(), status.getCause());
      } catch (RuntimeException e) {
        LOG.debug("push stream to {} did not cancel cleanly", endpoint, e);
      }
    }
    failAll(status);
  }

  private <R> ListenableFuture<R> call(
      PushRequest.Builder request, long timeoutMs, Function<PushAnswer, R> read) {
    Request<R> r = new Request<>(read, timeoutMs);
    if (unaryOnly) {
      r.answeredBy(unary(request.build(), timeoutMs));
    } else {
      send(request, r, timeoutMs);
    }
    return r.result;
  }

  private void send(PushRequest.Builder builder, Request<?> r, long timeoutMs) {
    Status refused = null;
    synchronized (this) {
      if (ended != null) {
        refused = ended;
      } else {
        long id = ++nextId;
        r.request = builder.setId(id).build();
        pending.put(id, r); // before its deadline is set: an early expiry must find it
        try {
          r.timeout = timers.newTimeout(t -> expire(id), timeoutMs, TimeUnit.MILLISECONDS);
        } catch (IllegalStateException | RejectedExecutionException e) {
          pending.remove(id);
          r.fail(Status.UNAVAILABLE.withDescription("agent channels closed").asRuntimeException());
          return;
        }
        try {
          open().onNext(r.request);
        } catch (RuntimeException e) {
          refused = Status.UNAVAILABLE.withDescription("push stream failed").withCause(e);
          pending.remove(id);
          r.cancelTimeout();
        }
      }
    }
    if (refused != null) {
      r.fail(
          Status.UNAVAILABLE
              .withDescription("push stream to " + endpoint + " ended: " + describe(refused))
              .withCause(refused.getCause())
              .asRuntimeException());
    }
  }

  /** The request side, opened on first use. Lock held. */
  private ClientCallStreamObserver<PushRequest> open() {
    if (requests == null) {
      // Answers are handled on the connection's event loop, not handed to the call executor: the
      // handler is quick (it completes a future whose callbacks send the next message) and the
      // hand-off, a queue and a thread wake-up per answer, cost more than the work.
      // Requests are written through a buffer kept per thread (PushRequestMarshaller): the same
      // bytes, without a new encoder buffer per message.
      ClientCalls.asyncBidiStreamingCall(
          channel.newCall(
              PushRequestMarshaller.PUSH,
              CallOptions.DEFAULT.withExecutor(MoreExecutors.directExecutor())),
          new Answers());
      if (requests == null) {
        throw new IllegalStateException("push stream to " + endpoint + " did not start");
      }
      LOG.debug("opened a push stream to agent {}", endpoint);
    }
    return requests;
  }

  private void expire(long id) {
    Request<?> r = pending.remove(id);
    if (r != null) {
      r.fail(
          Status.DEADLINE_EXCEEDED
              .withDescription("no answer from agent " + endpoint + " in time")
              .asRuntimeException());
    }
  }

  private void answered(PushAnswer a) {
    Request<?> r = pending.remove(a.getId());
    if (r == null) {
      return; // answered after its deadline, or the request was re-sent as a unary call
    }
    r.cancelTimeout();
    r.answered(a);
  }

  /** The stream ended with status: pending requests fail (or go unary if it was never served). */
  private void closed(Status status) {
    synchronized (this) {
      if (ended == null) {
        ended = status;
      }
      requests = null;
    }
    if (status.getCode() == Status.Code.UNIMPLEMENTED) {
      unaryOnly = true;
      LOG.info("agent {} does not serve the push stream: pushing with unary calls", endpoint);
      for (Long id : List.copyOf(pending.keySet())) {
        Request<?> r = pending.remove(id);
        if (r != null) {
          r.cancelTimeout();
          r.answeredBy(unary(r.request, r.leftMs()));
        }
      }
      return;
    }
    if (status.getCode() == Status.Code.INVALID_ARGUMENT
        || status.getCode() == Status.Code.OUT_OF_RANGE) {
      // The agent refused a message before reading it (over its input limits): the request that
      // carried it is refused, as its unary call would be; the stream is made again for the next.
      failAll(status);
      return;
    }
    failAll(
        Status.UNAVAILABLE
            .withDescription("push stream to " + endpoint + " ended: " + describe(status))
            .withCause(status.getCause()));
  }

  private void failAll(Status status) {
    List<Request<?>> all = new ArrayList<>();
    for (Long id : List.copyOf(pending.keySet())) {
      Request<?> r = pending.remove(id);
      if (r != null) {
        all.add(r);
      }
    }
    for (Request<?> r : all) {
      r.cancelTimeout();
      r.fail(status.asRuntimeException());
    }
  }

  /** The request as its unary call, for an agent without the stream. */
  private ListenableFuture<PushAnswer> unary(PushRequest request, long timeoutMs) {
    HostAgentServiceFutureStub stub =
        HostAgentServiceGrpc.newFutureStub(channel)
            .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
    PushAnswer.Builder a = PushAnswer.newBuilder().setId(request.getId());
    ListenableFuture<PushAnswer> f =
        switch (request.getCallCase()) {
          case APPLY ->
              Futures.transform(
                  stub.apply(request.getApply()),
                  r -> a.setApply(r).build(),
                  MoreExecutors.directExecutor());
          case CONFIRM ->
              Futures.transform(
                  stub.confirm(request.getConfirm()),
                  r -> a.setConfirm(r).build(),
                  MoreExecutors.directExecutor());
          case ROLLBACK ->
              Futures.transform(
                  stub.rollback(request.getRollback()),
                  r -> a.setRollback(r).build(),
                  MoreExecutors.directExecutor());
          case GET_STATE ->
              Futures.transform(
                  stub.getState(request.getGetState()),
                  r -> a.setGetState(r).build(),
                  MoreExecutors.directExecutor());
          case CALL_NOT_SET ->
              Futures.immediateFailedFuture(
                  Status.INTERNAL
                      .withDescription("push request without a call")
                      .asRuntimeException());
        };
    return f;
  }

  /** The typed response of an answer, or its failure as the unary call would have failed. */
  private static <R> R result(PushAnswer a, Function<PushAnswer, R> read) {
    if (a.hasError()) {
      throw toException(a.getError());
    }
    R r = read.apply(a);
    if (r == null) {
      throw Status.INTERNAL
          .withDescription("agent answered with " + a.getResultCase() + " for another request")
          .asRuntimeException();
    }
    return r;
  }

  /** The failure an answer carries, with its details (typed reason) as the unary call has them. */
  static StatusRuntimeException toException(PushError error) {
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(error.getCode())
            .setMessage(error.getMessage())
            .addAllDetails(error.getDetailsList())
            .build());
  }

  private static String describe(Status status) {
    return status.getDescription() == null
        ? status.getCode().name()
        : status.getCode() + " " + status.getDescription();
  }

  /** The response side: answers go to their requests; the end fails what is left. */
  private final class Answers implements ClientResponseObserver<PushRequest, PushAnswer> {
    @Override
    public void beforeStart(ClientCallStreamObserver<PushRequest> stream) {
      requests = stream; // called within open(), with the lock held
    }

    @Override
    public void onNext(PushAnswer answer) {
      answered(answer);
    }

    @Override
    public void onError(Throwable t) {
      Status status = Status.fromThrowable(t);
      LOG.debug("push stream to {} ended: {}", endpoint, status);
      closed(status);
    }

    @Override
    public void onCompleted() {
      closed(Status.UNAVAILABLE.withDescription("closed by the agent"));
    }
  }
}
