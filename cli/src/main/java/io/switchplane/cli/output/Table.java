package io.switchplane.cli.output;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A plain text table with a header row, columns sized to their widest cell. Columns marked {@link
 * #wideOnly} (ids, details) are printed only with {@code -o wide}, as kubectl does.
 */
public final class Table {
  private final List<String> header;
  private final Set<Integer> wideOnly = new HashSet<>();
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... header) {
    this.header = List.of(header);
  }

  /** Marks columns (by header) as printed only with -o wide. */
  public Table wideOnly(String... columns) {
    for (String c : columns) {
      int i = header.indexOf(c);
      if (i < 0) {
        throw new IllegalArgumentException("no column " + c + " in " + header);
      }
      wideOnly.add(i);
    }
    return this;
  }

  public Table row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(
          "row has " + cells.length + " cells, header " + header.size());
    }
    List<String> row = new ArrayList<>(cells.length);
    for (Object c : cells) {
      row.add(c == null ? "" : c.toString());
    }
    rows.add(row);
    return this;
  }

  public int size() {
    return rows.size();
  }

  /** Every column, with the header row. */
  public void print(PrintStream out) {
    print(out, true, true);
  }

  /**
   * @param wide also the wide-only columns
   * @param headers the header row too (--no-headers: rows only, for scripts)
   */
  public void print(PrintStream out, boolean wide, boolean headers) {
    List<Integer> shown = new ArrayList<>();
    for (int i = 0; i < header.size(); i++) {
      if (wide || !wideOnly.contains(i)) {
        shown.add(i);
      }
    }
    int[] widths = new int[header.size()];
    for (int i : shown) {
      widths[i] = headers ? header.get(i).length() : 0;
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    if (headers) {
      printRow(out, header, shown, widths);
    }
    for (List<String> row : rows) {
      printRow(out, row, shown, widths);
    }
  }

  private static void printRow(
      PrintStream out, List<String> cells, List<Integer> shown, int[] widths) {
    StringBuilder sb = new StringBuilder();
    for (int n = 0; n < shown.size(); n++) {
      int i = shown.get(n);
      String cell = cells.get(i);
      sb.append(cell);
      if (n < shown.size() - 1) {
        sb.append(" ".repeat(widths[i] - cell.length() + 2));
      }
    }
    out.println(sb.toString().stripTrailing());
  }
}
