package io.switchplane.agent.modules;

/** A module could not make its values real; the message says what an operator can do. */
public class ModuleException extends Exception {
  private static final long serialVersionUID = 1L;

  public ModuleException(String message) {
    super(message);
  }

  public ModuleException(String message, Throwable cause) {
    super(message, cause);
  }
}
