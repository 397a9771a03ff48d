package io.switchplane.cli.ops;

import io.switchplane.common.error.SwitchplaneException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators type them: 500ms, 10s, 5m, 1h. */
public final class Durations {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  private Durations() {}

  public static long parseMillis(String text, String option) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw SwitchplaneException.invalid(
          "%s '%s' is not a duration: use e.g. 500ms, 10s, 5m or 1h", option, text);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n * 1_000;
      case "m" -> n * 60_000;
      default -> n * 3_600_000;
    };
  }

  /** millis as an operator would type it back: 2m, 90s, 500ms. */
  static String format(long millis) {
    if (millis % 3_600_000 == 0 && millis > 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis > 0) {
      return millis / 60_000 + "m";
    }
    return millis % 1_000 == 0 ? millis / 1_000 + "s" : millis + "ms";
  }
}
