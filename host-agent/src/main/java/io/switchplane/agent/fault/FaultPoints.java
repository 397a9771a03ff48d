package io.switchplane.agent.fault;

import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Places in the apply where a crash test stops the agent, so that it can be killed (SIGKILL)
 * exactly there. Off unless the JVM runs with {@code -Dswitchplane.agent.fault=POINT}; the
 * crash tests are the only ones that set it.
 *
 * <p>Points: {@code after-journal} (intent synced, backend untouched), {@code after-op:K} (K
 * backend operations done out of more), {@code before-persist} (backend changed, store not),
 * {@code after-persist} (stored, not answered). At the point the agent prints
 * {@code switchplane-fault: reached POINT} on stderr and parks the calling thread for good: the
 * test kills the process when it sees the line.
 */
public final class FaultPoints {
  public static final String PROPERTY = "switchplane.agent.fault";
  /** The line printed when a point is reached, followed by the point's name. */
  public static final String MARKER = "switchplane-fault: reached ";
  private static final FaultPoints NONE = new FaultPoints("", 0);

  private final String point;
  private final int opsBeforeStop;

  private FaultPoints(String point, int opsBeforeStop) {
    this.point = point;
    this.opsBeforeStop = opsBeforeStop;
  }

  /** No fault point: the production setting. */
  public static FaultPoints none() {
    return NONE;
  }

  /** The point named by the system property, if any. */
  public static FaultPoints fromSystemProperties() {
    return parse(System.getProperty(PROPERTY, ""));
  }

  /** Parses a point name; blank means none. */
  public static FaultPoints parse(String spec) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      return NONE;
    }
    if (s.startsWith("after-op:")) {
      int k = Integer.parseInt(s.substring("after-op:".length()));
      if (k < 1) {
        throw new IllegalArgumentException(PROPERTY + "=after-op:K needs K >= 1, got " + k);
      }
      return new FaultPoints("after-op", k);
    }
    return switch (s) {
      case "after-journal", "before-persist", "after-persist" -> new FaultPoints(s, 0);
      default -> throw new IllegalArgumentException("unknown " + PROPERTY + " '" + spec
          + "'; use after-journal, after-op:K, before-persist or after-persist");
    };
  }

  /** Backend operations to do before stopping, when the point is after-op:K and an apply has more than K; else 0. */
  public int opsBeforeStop(int opsInApply) {
    return point.equals("after-op") && opsInApply > opsBeforeStop ? opsBeforeStop : 0;
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
