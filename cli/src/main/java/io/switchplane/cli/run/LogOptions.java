package io.switchplane.cli.run;

import io.switchplane.cli.LogSetup;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The servers' log options; without them, SWITCHPLANE_LOG_LEVEL and SWITCHPLANE_LOG_FORMAT. */
final class LogOptions {
  /** The line formats. */
  enum Format {
    TEXT,
    JSON
  }

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description =
          "Root log level: error, warn, info, debug or trace (default: $SWITCHPLANE_LOG_LEVEL, else"
              + " warn).")
  String level;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      description =
          "Log lines on stderr as TEXT or JSON, one JSON object a line (default:"
              + " $SWITCHPLANE_LOG_FORMAT, else text).")
  Format format;

  /** Applies the options given; what was not given stays as the environment set it. */
  void apply() {
    LogSetup.reconfigure(level, format == null ? null : format.name().toLowerCase(Locale.ROOT));
  }
}
