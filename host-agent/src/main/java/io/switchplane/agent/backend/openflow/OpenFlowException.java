package io.switchplane.agent.backend.openflow;

/**
 * An OpenFlow call failed: either the switch refused a message with an OFPT_ERROR ({@link
 * #errorType} and {@link #errorCode} are the OpenFlow ones, e.g. 2/10 for
 * BAD_ACTION/MATCH_INCONSISTENT), or the session failed (I/O, timeout, a protocol violation: both
 * are {@link #NONE}, and the connection was dropped so that the next call connects afresh). Callers
 * decide on the typed fields, never on the message text.
 */
public final class OpenFlowException extends Exception {
  /** The error type and code of a failure that is no OFPT_ERROR of the switch. */
  public static final int NONE = -1;

  private final int errorType;
  private final int errorCode;

  /** The switch refused a message: type and code of its OFPT_ERROR. */
  OpenFlowException(String message, int errorType, int errorCode) {
    super(message);
    this.errorType = errorType;
    this.errorCode = errorCode;
  }

  /** The session failed (I/O, timeout, protocol). */
  OpenFlowException(String message, Throwable cause) {
    super(message, cause);
    this.errorType = NONE;
    this.errorCode = NONE;
  }

  /** The OFPT_ERROR type (ofp_error_type), or {@link #NONE} when the session failed. */
  public int errorType() {
    return errorType;
  }

  /** The OFPT_ERROR code within its type, or {@link #NONE} when the session failed. */
  public int errorCode() {
    return errorCode;
  }

  /** Whether the switch refused a message (as opposed to the session failing). */
  public boolean refused() {
    return errorType != NONE;
  }
}
