package io.switchplane.agent.backend;

import io.switchplane.common.diff.PortOp;

/**
 * A backend could not apply an operation. Checked on purpose: every caller of {@link
 * SwitchBackend#apply} must decide what a failed switch change means for its transaction.
 */
public class BackendException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The operation that failed; null when the failure is not tied to one operation. */
  private final transient PortOp failedOp;

  /** 1-based position of failedOp in the list passed to apply; 0 when unknown. */
  private final int position;

  public BackendException(String message) {
    this(message, null, 0, null);
  }

  public BackendException(String message, Throwable cause) {
    this(message, null, 0, cause);
  }

  public BackendException(String message, PortOp failedOp, int position, Throwable cause) {
    super(message, cause);
    this.failedOp = failedOp;
    this.position = position;
  }

  public PortOp failedOp() {
    return failedOp;
  }

  public int position() {
    return position;
  }
}
