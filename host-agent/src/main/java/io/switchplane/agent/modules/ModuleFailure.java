package io.switchplane.agent.modules;

/** A non-advisory module refused an apply; the modules called before it were given the inverse. */
public final class ModuleFailure extends Exception {
  private static final long serialVersionUID = 1L;
  private final String namespace;

  public ModuleFailure(String namespace, Throwable cause) {
    super(
        "the property module for namespace " + namespace + " failed: " + cause.getMessage(), cause);
    this.namespace = namespace;
  }

  public String namespace() {
    return namespace;
  }
}
