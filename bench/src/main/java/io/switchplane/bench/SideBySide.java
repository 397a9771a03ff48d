package io.switchplane.bench;

import io.switchplane.cli.output.Table;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * The side-by-side table of `bench --compare-ovn`: per figure, OVN's and Switchplane's median and
 * p99 over their samples, and Switchplane's median as a multiple of OVN's (below 1: faster).
 * Samples in microseconds, printed in milliseconds.
 */
final class SideBySide {
  private final Table table;

  SideBySide(String title) {
    table =
        new Table(
            title, "OVN MEDIAN", "SWITCHPLANE MEDIAN", "SWITCHPLANE / OVN", "OVN P99", "SP P99");
  }

  /** A row; either side may be empty (that side did not measure it): its cells are then "-". */
  SideBySide row(String figure, long[] ovnMicros, long[] switchplaneMicros) {
    boolean both = ovnMicros.length > 0 && switchplaneMicros.length > 0;
    table.row(
        figure,
        median(ovnMicros),
        median(switchplaneMicros),
        both
            ? String.format(
                Locale.ROOT,
                "%.2fx",
                (double) BenchCommand.median(switchplaneMicros)
                    / Math.max(1, BenchCommand.median(ovnMicros)))
            : "-",
        p99(ovnMicros),
        p99(switchplaneMicros));
    return this;
  }

  void print(PrintStream out) {
    table.print(out);
  }

  private static String median(long[] micros) {
    return micros.length == 0 ? "-" : ms(BenchCommand.median(micros));
  }

  private static String p99(long[] micros) {
    if (micros.length == 0) {
      return "-";
    }
    long[] sorted = micros.clone();
    Arrays.sort(sorted);
    return ms(BenchCommand.percentile(sorted, 99));
  }

  static String ms(long micros) {
    return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
  }
}
