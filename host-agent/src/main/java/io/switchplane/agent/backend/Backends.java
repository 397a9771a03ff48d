package io.switchplane.agent.backend;

import io.switchplane.common.error.SwitchplaneException;
import java.util.List;

/** Creates backends by name, so that configuration (and the CLI) can pick one; "ovs" will join. */
public final class Backends {
  /** Names create() knows. */
  public static final List<String> NAMES = List.of(MemoryBackend.NAME);

  private Backends() {}

  public static SwitchBackend create(String name) {
    return switch (name) {
      case MemoryBackend.NAME -> new MemoryBackend();
      default -> throw SwitchplaneException.invalid("unknown backend '%s'; known backends: %s", name, NAMES);
    };
  }
}
