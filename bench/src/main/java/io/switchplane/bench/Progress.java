package io.switchplane.bench;

import java.io.PrintStream;

/**
 * A progress counter on stderr for long setup steps: one line redrawn in place on a terminal, a
 * line per quarter otherwise (logs and CI output stay short).
 */
final class Progress {
  private final boolean terminal = System.console() != null;
  private final PrintStream err;
  private final String label;
  private final int total;
  private int lastPercent = -1;

  Progress(PrintStream err, String label, int total) {
    this.err = err;
    this.label = label;
    this.total = total;
  }

  void step(int done) {
    int percent = total == 0 ? 100 : (int) (100L * done / total);
    int shown = terminal ? percent : percent / 25 * 25;
    if (shown != lastPercent) {
      lastPercent = shown;
      String line = label + ": " + done + "/" + total + " (" + percent + "%)";
      if (terminal) {
        err.print("\r" + line + (done >= total ? System.lineSeparator() : ""));
      } else {
        err.println(line);
      }
      err.flush();
    }
  }
}
