package io.switchplane.manager.grpc;

import io.grpc.stub.StreamObserver;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where the manager's gRPC services turn a domain call's outcome into a response or a status. */
final class GrpcCalls {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcCalls.class);

  private GrpcCalls() {}

  /** Runs call; its result is the response, its exception the status ({@link StatusMapping#toStatus}). */
  static <T> void unary(StreamObserver<T> out, Supplier<T> call) {
    T response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      if (!(e instanceof SwitchplaneException se) || se.code() == ErrorCode.INTERNAL) {
        LOG.error("operator call failed unexpectedly", e);
      } else {
        LOG.debug("operator call refused: {} {}", se.code(), se.getMessage());
      }
      out.onError(StatusMapping.toStatus(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }
}
