package io.switchplane.common.fault;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Places in a component where a crash test stops it, so that it can be killed (SIGKILL) exactly
 * there. Off unless the JVM runs with {@code -D<property>=POINT} (or {@code POINT:K} for points
 * that take a count); only the crash tests set it. At the point the process prints {@code
 * switchplane-fault: reached POINT} on stderr and parks the calling thread for good: the test kills
 * the process when it sees the line.
 */
public final class FaultPoints {
  /** The line printed when a point is reached, followed by the point's name. */
  public static final String MARKER = "switchplane-fault: reached ";

  private static final FaultPoints NONE = new FaultPoints("", 0);

  private final String point;
  private final int count;

  private FaultPoints(String point, int count) {
    this.point = point;
    this.count = count;
  }

  /** No fault point: the production setting. */
  public static FaultPoints none() {
    return NONE;
  }

  /** The point the system property names, which must be one of known (blank: none). */
  public static FaultPoints fromSystemProperty(String property, Set<String> known) {
    return parse(System.getProperty(property, ""), property, known);
  }

  /** Parses "POINT" or "POINT:K" (K >= 1); blank means none. */
  public static FaultPoints parse(String spec, String property, Set<String> known) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      return NONE;
    }
    int colon = s.indexOf(':');
    String name = colon < 0 ? s : s.substring(0, colon);
    if (!known.contains(name)) {
      throw new IllegalArgumentException(
          "unknown " + property + " '" + spec + "'; use one of " + known);
    }
    int k = 0;
    if (colon >= 0) {
      k = Integer.parseInt(s.substring(colon + 1));
      if (k < 1) {
        throw new IllegalArgumentException(property + "=" + name + ":K needs K >= 1, got " + k);
      }
    }
    return new FaultPoints(name, k);
  }

  /** The count given with the point name (POINT:K), or 0 when another point (or none) is set. */
  public int count(String name) {
    return point.equals(name) ? count : 0;
  }

  /** Stops here (for good) when name is the configured point. */
  public void reached(String name) {
    if (!point.equals(name)) {
      return;
    }
    System.err.println(MARKER + name);
    System.err.flush();
    while (true) {
      LockSupport.park(this); // until the test's SIGKILL
    }
  }
}
