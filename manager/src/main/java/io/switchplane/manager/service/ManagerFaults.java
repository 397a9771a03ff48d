package io.switchplane.manager.service;

import io.switchplane.common.fault.FaultPoints;
import java.util.Set;

/**
 * The manager's fault points for crash tests ({@link FaultPoints}), in an atomic change set, set
 * with {@code -Dswitchplane.manager.fault=POINT}: {@code atomic-after-prepare} (PREPARED stored,
 * nothing pushed), {@code atomic-before-decision} (every host applied, no decision stored), {@code
 * atomic-after-commit-record} (COMMITTED stored, no host confirmed).
 */
public final class ManagerFaults {
  public static final String PROPERTY = "switchplane.manager.fault";
  public static final String AFTER_PREPARE = "atomic-after-prepare";
  public static final String BEFORE_DECISION = "atomic-before-decision";
  public static final String AFTER_COMMIT_RECORD = "atomic-after-commit-record";
  private static final Set<String> POINTS =
      Set.of(AFTER_PREPARE, BEFORE_DECISION, AFTER_COMMIT_RECORD);

  private ManagerFaults() {}

  public static FaultPoints fromSystemProperties() {
    return FaultPoints.fromSystemProperty(PROPERTY, POINTS);
  }
}
