package io.switchplane.manager.grpc;

import io.grpc.stub.StreamObserver;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.rpc.UnaryCalls;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the manager's gRPC adapters answer a unary call: the response, or the failure's status. */
final class Unary {
  private static final Logger LOG = LoggerFactory.getLogger(Unary.class);

  private Unary() {}

  /** Runs one call; every failure becomes a status in {@link StatusMapping}. */
  static <T> void call(StreamObserver<T> out, Supplier<T> call) {
    UnaryCalls.answer(out, call, LOG);
  }

  /** value, or INVALID_ARGUMENT naming the field when it is empty. */
  static String required(String value, String field) {
    if (value.isEmpty()) {
      throw SwitchplaneException.invalid("%s is required", field);
    }
    return value;
  }

  /** INVALID_ARGUMENT naming the message field unless it is set. */
  static void present(boolean set, String field) {
    if (!set) {
      throw SwitchplaneException.invalid("%s is required", field);
    }
  }
}
