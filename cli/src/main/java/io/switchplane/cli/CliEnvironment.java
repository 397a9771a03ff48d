package io.switchplane.cli;

import java.util.Map;

/**
 * The {@code SWITCHPLANE_*} environment a verb reads. In a process of its own that is the process's
 * environment; the resident CLI ({@link io.switchplane.cli.resident.ResidentServer}) runs each verb
 * with the environment of the shell that asked, never its own.
 */
public final class CliEnvironment {
  private static final String PREFIX = "SWITCHPLANE_";
  private static volatile Map<String, String> override;

  private CliEnvironment() {}

  /** The variable's value, or null when it is not set. */
  public static String get(String name) {
    Map<String, String> env = override;
    if (env != null && name.startsWith(PREFIX)) {
      return env.get(name);
    }
    return System.getenv(name);
  }

  /**
   * Runs the verb with these {@code SWITCHPLANE_*} variables in place of the process's own (the
   * resident CLI runs one verb at a time).
   */
  public static int with(Map<String, String> env, java.util.function.IntSupplier verb) {
    override = Map.copyOf(env);
    try {
      return verb.getAsInt();
    } finally {
      override = null;
    }
  }
}
