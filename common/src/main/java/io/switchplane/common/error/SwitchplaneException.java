package io.switchplane.common.error;

import java.util.Map;
import java.util.Optional;

/**
 * A domain failure with the code the API answers with and a message an operator can act on. Domain
 * code throws it; the gRPC adapters turn it into a status in one place ({@link StatusMapping}).
 */
public class SwitchplaneException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;
  private final ErrorReason reason;

  /** Typed facts beside the reason (e.g. the owner's address), sent as the ErrorInfo metadata. */
  @SuppressWarnings("serial") // an immutable Map.copyOf
  private final Map<String, String> metadata;

  public SwitchplaneException(ErrorCode code, String message) {
    this(code, message, null, null, Map.of());
  }

  public SwitchplaneException(ErrorCode code, String message, Throwable cause) {
    this(code, message, cause, null, Map.of());
  }

  private SwitchplaneException(
      ErrorCode code,
      String message,
      Throwable cause,
      ErrorReason reason,
      Map<String, String> metadata) {
    super(message, cause);
    this.code = code;
    this.reason = reason;
    this.metadata = Map.copyOf(metadata);
  }

  public ErrorCode code() {
    return code;
  }

  /** The typed reason the caller acts on, when there is one. */
  public Optional<ErrorReason> reason() {
    return Optional.ofNullable(reason);
  }

  /** This failure, with the typed reason a caller acts on. */
  public SwitchplaneException because(ErrorReason why) {
    return new SwitchplaneException(code, getMessage(), getCause(), why, metadata);
  }

  /**
   * This failure with typed facts for the caller beside its reason (sent only with a reason), e.g.
   * {@link ErrorReason#NOT_DVS_OWNER}'s owner address.
   */
  public SwitchplaneException with(Map<String, String> facts) {
    return new SwitchplaneException(code, getMessage(), getCause(), reason, facts);
  }

  /** The typed facts beside the reason; empty when there are none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  public static SwitchplaneException invalid(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.INVALID_ARGUMENT, String.format(format, args));
  }

  public static SwitchplaneException notFound(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.NOT_FOUND, String.format(format, args));
  }

  public static SwitchplaneException alreadyExists(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.ALREADY_EXISTS, String.format(format, args));
  }

  public static SwitchplaneException precondition(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.FAILED_PRECONDITION, String.format(format, args));
  }

  public static SwitchplaneException exhausted(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.RESOURCE_EXHAUSTED, String.format(format, args));
  }

  public static SwitchplaneException unauthenticated(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.UNAUTHENTICATED, String.format(format, args));
  }

  public static SwitchplaneException denied(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.PERMISSION_DENIED, String.format(format, args));
  }

  public static SwitchplaneException aborted(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.ABORTED, String.format(format, args));
  }

  public static SwitchplaneException unavailable(String format, Object... args) {
    return new SwitchplaneException(ErrorCode.UNAVAILABLE, String.format(format, args));
  }
}
