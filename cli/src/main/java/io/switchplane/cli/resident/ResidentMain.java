package io.switchplane.cli.resident;

import io.switchplane.cli.Main;
import io.switchplane.cli.ops.Durations;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs the resident CLI ({@link ResidentServer}) until it is idle: what {@code bin/switchplane}
 * starts in the background. State in {@code $SWITCHPLANE_RESIDENT_DIR}, else {@code
 * ~/.switchplane}; idle time {@code $SWITCHPLANE_RESIDENT_IDLE} (default 15m).
 */
public final class ResidentMain {
  static final String DEFAULT_IDLE = "15m";

  private ResidentMain() {}

  public static void main(String[] args) throws Exception {
    Main.bridgeJavaLogging();
    try (ResidentServer server = new ResidentServer(stateDir(), jar(), idle())) {
      if (server.start()) {
        server.serve();
      }
    }
  }

  /** Where the state file is. */
  static Path stateDir() {
    String dir = System.getenv("SWITCHPLANE_RESIDENT_DIR");
    return dir != null && !dir.isBlank()
        ? Path.of(dir)
        : Path.of(System.getProperty("user.home"), ".switchplane");
  }

  private static Duration idle() {
    String idle = System.getenv("SWITCHPLANE_RESIDENT_IDLE");
    return Duration.ofMillis(
        Durations.parseMillis(
            idle == null || idle.isBlank() ? DEFAULT_IDLE : idle, "$SWITCHPLANE_RESIDENT_IDLE"));
  }

  private static Path jar() throws URISyntaxException {
    return Path.of(ResidentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
