package io.switchplane.cli.bench;

import java.io.PrintStream;

/** A one-line progress counter on stderr for long setup steps. */
final class Progress {
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
    if (percent != lastPercent) {
      lastPercent = percent;
      err.print("\r" + label + ": " + done + "/" + total + " (" + percent + "%)");
      if (done >= total) {
        err.println();
      }
      err.flush();
    }
  }
}
