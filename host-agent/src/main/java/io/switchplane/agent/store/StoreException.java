package io.switchplane.agent.store;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;

/** The agent's state store failed (an I/O error, a corrupt record): INTERNAL for callers. */
public class StoreException extends SwitchplaneException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(ErrorCode.INTERNAL, message, cause);
  }
}
