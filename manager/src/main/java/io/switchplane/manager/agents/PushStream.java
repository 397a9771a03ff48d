package io.switchplane.manager.agents;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 * thread (deadlines); callbacks added with a direct executor must stay quick and never block.
 */
public final class PushStream {
  private static final Logger LOG = LoggerFactory.getLogger(PushStream.class);

  private final String endpoint;
  private final ManagedChannel channel;
  private final ScheduledExecutorService timers;
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private long nextId;

  /** The request side; null until opened, and after the stream ended. */
  private ClientCallStreamObserver<PushRequest> requests;

  /** Why the stream ended; null while it lives. */
  private Status ended;

  private volatile boolean unaryOnly;

  /** A request sent and not answered yet. */
  private record Pending(
      PushRequest request, SettableFuture<PushAnswer> answer, ScheduledFuture<?> timeout) {}

  /**
   * A stream to endpoint over channel, opened on first use; timers runs the per-request limits.
   * unary: make unary calls instead (for comparison).
   */
  PushStream(
      String endpoint, ManagedChannel channel, ScheduledExecutorService timers, boolean unary) {
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
    SettableFuture<PushAnswer> answer = SettableFuture.create();
    if (unaryOnly) {
      unary(request.build(), answer, timeoutMs);
    } else {
      send(request, answer, timeoutMs);
    }
    return Futures.transform(answer, a -> result(a, read), MoreExecutors.directExecutor());
  }

  private void send(
      PushRequest.Builder builder, SettableFuture<PushAnswer> answer, long timeoutMs) {
    Status refused = null;
    synchronized (this) {
      if (ended != null) {
        refused = ended;
      } else {
        long id = ++nextId;
        PushRequest request = builder.setId(id).build();
        ScheduledFuture<?> timeout;
        try {
          timeout = timers.schedule(() -> expire(id), timeoutMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          answer.setException(
              Status.UNAVAILABLE.withDescription("agent channels closed").asRuntimeException());
          return;
        }
        pending.put(id, new Pending(request, answer, timeout));
        try {
          open().onNext(request);
        } catch (RuntimeException e) {
          refused = Status.UNAVAILABLE.withDescription("push stream failed").withCause(e);
          pending.remove(id);
          timeout.cancel(false);
        }
      }
    }
    if (refused != null) {
      answer.setException(
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
      HostAgentServiceGrpc.newStub(channel)
          .withExecutor(MoreExecutors.directExecutor())
          .push(new Answers());
      if (requests == null) {
        throw new IllegalStateException("push stream to " + endpoint + " did not start");
      }
      LOG.debug("opened a push stream to agent {}", endpoint);
    }
    return requests;
  }

  private void expire(long id) {
    Pending p = pending.remove(id);
    if (p != null) {
      p.answer()
          .setException(
              Status.DEADLINE_EXCEEDED
                  .withDescription("no answer from agent " + endpoint + " in time")
                  .asRuntimeException());
    }
  }

  private void answered(PushAnswer a) {
    Pending p = pending.remove(a.getId());
    if (p == null) {
      return; // answered after its deadline, or the request was re-sent as a unary call
    }
    p.timeout().cancel(false);
    p.answer().set(a);
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
        Pending p = pending.remove(id);
        if (p != null) {
          p.timeout().cancel(false);
          unary(p.request(), p.answer(), Math.max(1, p.timeout().getDelay(TimeUnit.MILLISECONDS)));
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
    List<Pending> all = new ArrayList<>();
    for (Long id : List.copyOf(pending.keySet())) {
      Pending p = pending.remove(id);
      if (p != null) {
        all.add(p);
      }
    }
    for (Pending p : all) {
      p.timeout().cancel(false);
      p.answer().setException(status.asRuntimeException());
    }
  }

  /** The request as its unary call, for an agent without the stream. */
  private void unary(PushRequest request, SettableFuture<PushAnswer> answer, long timeoutMs) {
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
    answer.setFuture(f);
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
