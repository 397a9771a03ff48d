package io.switchplane.common.error;

/**
 * A domain failure with the code the API answers with and a message an operator can act on.
 * Domain code throws it; the gRPC adapters turn it into a status in one place ({@link StatusMapping}).
 */
public class SwitchplaneException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;

  public SwitchplaneException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public SwitchplaneException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
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
