package io.switchplane.agent.backend;

import io.switchplane.common.error.SwitchplaneException;
import java.nio.file.Path;
import java.util.List;

/** Creates backends by name, so that configuration (and the CLI) can pick one. */
public final class Backends {
  /** Names create() knows. */
  public static final List<String> NAMES =
      List.of(MemoryBackend.NAME, FileBackend.NAME, OvsBackend.NAME, OvsBackend.OPENFLOW_NAME);

  private Backends() {}

  /**
   * @param dataDir the agent's data directory; the file backend keeps its switch under {@code
   *     dataDir/switch}, and needs one
   * @param ovsdb the ovsdb-server the ovs backend talks to (unix:PATH or tcp:HOST:PORT); needed by
   *     it alone
   */
  public static SwitchBackend create(String name, Path dataDir, String ovsdb) {
    return switch (name) {
      case MemoryBackend.NAME -> new MemoryBackend();
      case FileBackend.NAME -> {
        if (dataDir == null) {
          throw SwitchplaneException.invalid("the file backend needs a data directory");
        }
        yield new FileBackend(dataDir.resolve("switch"));
      }
      case OvsBackend.NAME, OvsBackend.OPENFLOW_NAME -> {
        if (ovsdb == null || ovsdb.isBlank()) {
          throw SwitchplaneException.invalid(
              "the %s backend needs --ovsdb unix:PATH (the ovsdb-server socket)", name);
        }
        yield new OvsBackend(ovsdb, name.equals(OvsBackend.OPENFLOW_NAME));
      }
      default ->
          throw SwitchplaneException.invalid(
              "unknown backend '%s'; known backends: %s", name, NAMES);
    };
  }
}
