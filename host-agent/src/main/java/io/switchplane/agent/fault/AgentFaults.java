package io.switchplane.agent.fault;

import io.switchplane.common.fault.FaultPoints;
import java.util.Set;

/**
 * The agent's fault points for crash tests ({@link FaultPoints}), set with {@code
 * -Dswitchplane.agent.fault=POINT}: {@code after-journal} (intent synced, backend untouched),
 * {@code after-op:K} (K backend operations done out of more), {@code before-persist} (backend
 * changed, store not), {@code after-persist} (stored, not answered).
 */
public final class AgentFaults {
  public static final String PROPERTY = "switchplane.agent.fault";
  public static final String AFTER_JOURNAL = "after-journal";
  public static final String AFTER_OP = "after-op";
  public static final String BEFORE_PERSIST = "before-persist";
  public static final String AFTER_PERSIST = "after-persist";
  private static final Set<String> POINTS =
      Set.of(AFTER_JOURNAL, AFTER_OP, BEFORE_PERSIST, AFTER_PERSIST);

  private AgentFaults() {}

  public static FaultPoints fromSystemProperties() {
    return FaultPoints.fromSystemProperty(PROPERTY, POINTS);
  }

  /**
   * Backend operations to do before stopping at after-op:K, when the apply has more than K; else 0.
   */
  public static int opsBeforeStop(FaultPoints faults, int opsInApply) {
    int k = faults.count(AFTER_OP);
    return k > 0 && opsInApply > k ? k : 0;
  }
}
