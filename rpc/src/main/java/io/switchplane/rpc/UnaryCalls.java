package io.switchplane.rpc;

import io.grpc.stub.StreamObserver;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * How a gRPC service of the manager or the agent answers a unary call: the response, or the status
 * of its failure as {@link StatusMapping} maps it. Refusals (a {@link SwitchplaneException} other
 * than INTERNAL) are the server's {@code RefusalLog}'s to log, in one line; anything else is a bug,
 * logged here with its stack trace.
 */
public final class UnaryCalls {
  private UnaryCalls() {}

  public static <T> void answer(StreamObserver<T> out, Supplier<T> call, Logger log) {
    T response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      if (!(e instanceof SwitchplaneException se) || se.code() == ErrorCode.INTERNAL) {
        log.error("call failed unexpectedly", e);
      }
      out.onError(StatusMapping.toStatus(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }
}
