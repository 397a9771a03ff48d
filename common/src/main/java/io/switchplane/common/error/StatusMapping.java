package io.switchplane.common.error;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Arrays;
import java.util.Optional;

/**
 * The one place where domain failures become gRPC statuses (both servers use it) and where clients
 * turn statuses back into domain failures.
 */
public final class StatusMapping {
  /**
   * Characters of a status description sent at most. A message may quote what the caller sent (an
   * id, a name); quoted whole, a 20,000-character id made the reply's header larger than the peer
   * accepts, and the caller saw INTERNAL (RST_STREAM) instead of the refusal.
   */
  public static final int MAX_DESCRIPTION = 1024;

  private StatusMapping() {}

  /** The status a server answers with for this failure. Unexpected failures become INTERNAL. */
  public static StatusRuntimeException toStatus(Throwable failure) {
    if (failure instanceof StatusRuntimeException sre) {
      Status s = sre.getStatus();
      return s.getDescription() == null || s.getDescription().length() <= MAX_DESCRIPTION
          ? sre
          : s.withDescription(bounded(s.getDescription())).asRuntimeException(sre.getTrailers());
    }
    if (failure instanceof SwitchplaneException se) {
      Status status = statusOf(se.code()).withDescription(bounded(se.getMessage()));
      if (se.reason().isEmpty()) {
        return status.asRuntimeException();
      }
      return StatusProto.toStatusRuntimeException(
          com.google.rpc.Status.newBuilder()
              .setCode(status.getCode().value())
              .setMessage(status.getDescription())
              .addDetails(
                  Any.pack(
                      ErrorInfo.newBuilder()
                          .setReason(se.reason().get().name())
                          .setDomain(ErrorReason.DOMAIN)
                          .putAllMetadata(se.metadata())
                          .build()))
              .build());
    }
    return Status.INTERNAL
        .withDescription(bounded("internal error: " + failure))
        .withCause(failure)
        .asRuntimeException();
  }

  /** description cut to {@link #MAX_DESCRIPTION} characters, saying how much was cut. */
  public static String bounded(String description) {
    if (description == null || description.length() <= MAX_DESCRIPTION) {
      return description;
    }
    String note = "... (" + (description.length() - (MAX_DESCRIPTION - 40)) + " more characters)";
    return description.substring(0, MAX_DESCRIPTION - 40) + note;
  }

  /**
   * The domain failure a client sees for a status it received, with its typed reason when it has
   * one.
   */
  public static SwitchplaneException fromStatus(StatusRuntimeException sre) {
    Status status = sre.getStatus();
    String message =
        status.getDescription() == null ? status.getCode().name() : status.getDescription();
    SwitchplaneException e = new SwitchplaneException(codeOf(status.getCode()), message, sre);
    return reason(sre).map(r -> e.because(r).with(metadata(sre))).orElse(e);
  }

  /**
   * The typed facts of a failed call's Switchplane ErrorInfo (beside its reason); empty when none.
   */
  public static java.util.Map<String, String> metadata(Throwable failure) {
    return errorInfo(failure).map(ErrorInfo::getMetadataMap).orElse(java.util.Map.of());
  }

  /**
   * The typed reason a failed call carries (a Switchplane ErrorInfo in its status details), if any.
   */
  public static Optional<ErrorReason> reason(Throwable failure) {
    return errorInfo(failure)
        .flatMap(
            info ->
                Arrays.stream(ErrorReason.values())
                    .filter(r -> r.name().equals(info.getReason()))
                    .findFirst());
  }

  /** The Switchplane ErrorInfo in a failed call's status details, if any. */
  private static Optional<ErrorInfo> errorInfo(Throwable failure) {
    com.google.rpc.Status details = StatusProto.fromThrowable(failure);
    if (details == null) {
      return Optional.empty();
    }
    for (Any any : details.getDetailsList()) {
      if (!any.is(ErrorInfo.class)) {
        continue;
      }
      try {
        ErrorInfo info = any.unpack(ErrorInfo.class);
        if (info.getDomain().equals(ErrorReason.DOMAIN)) {
          return Optional.of(info);
        }
      } catch (InvalidProtocolBufferException e) {
        return Optional
            .empty(); // not a reason we can read: the caller treats the failure by its code
      }
    }
    return Optional.empty();
  }

  public static Status statusOf(ErrorCode code) {
    return switch (code) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
      case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
      case ABORTED -> Status.ABORTED;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      case INTERNAL -> Status.INTERNAL;
    };
  }

  public static ErrorCode codeOf(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> ErrorCode.INVALID_ARGUMENT;
      case NOT_FOUND -> ErrorCode.NOT_FOUND;
      case ALREADY_EXISTS -> ErrorCode.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> ErrorCode.FAILED_PRECONDITION;
      case RESOURCE_EXHAUSTED -> ErrorCode.RESOURCE_EXHAUSTED;
      case PERMISSION_DENIED -> ErrorCode.PERMISSION_DENIED;
      case UNAUTHENTICATED -> ErrorCode.UNAUTHENTICATED;
      case ABORTED -> ErrorCode.ABORTED;
      case UNAVAILABLE, DEADLINE_EXCEEDED -> ErrorCode.UNAVAILABLE;
      default -> ErrorCode.INTERNAL;
    };
  }
}
