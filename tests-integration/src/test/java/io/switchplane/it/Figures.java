package io.switchplane.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** How the ITs that print figures summarise them. */
final class Figures {
  private Figures() {}

  /** min / median / p90 / max of some durations. */
  static String distribution(List<Long> values) {
    List<Long> v = new ArrayList<>(values);
    Collections.sort(v);
    return String.format(
        "min %d, median %d, p90 %d, max %d",
        v.get(0),
        v.get(v.size() / 2),
        v.get(Math.min(v.size() - 1, (int) Math.ceil(v.size() * 0.9) - 1)),
        v.get(v.size() - 1));
  }

  /** The machine's one-minute load average, as /proc/loadavg says it ("?" when unreadable). */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[0];
    } catch (IOException e) {
      return "?";
    }
  }
}
