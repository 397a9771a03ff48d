package io.switchplane.manager.reconcile;

import io.grpc.Status;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import java.util.Optional;

/**
 * A failed Apply as the push side reads it: whether the host was unreachable, whether a pending
 * confirm left on the agent blocked it, whether retrying can help, whether the agent holds a newer
 * generation, and what the operator is told. A failure the pusher describes itself (the Apply never
 * reached the agent) is neither retried nor taken as the agent's refusal. The static part reads any
 * failed agent call (a Confirm's too) by its status code and typed reason, never by its text.
 */
record ApplyFailure(
    Status status, boolean unreachable, boolean blocked, boolean retryable, boolean hostNewer) {

  /**
   * @param described the pusher has its own message for it
   * @param atomic the Apply belongs to an atomic change set (its round decides, not a retry)
   */
  static ApplyFailure of(Throwable t, boolean described, boolean atomic) {
    Status status = Status.fromThrowable(t);
    Status.Code code = status.getCode();
    // A pending confirm left on the agent (an older leader's) blocks the apply until it is
    // resolved: probe next.
    Optional<ErrorReason> reason = StatusMapping.reason(t);
    boolean blocked =
        code == Status.Code.FAILED_PRECONDITION
            && reason.equals(Optional.of(ErrorReason.AWAITING_CONFIRM));
    boolean retryable = !described && (blocked || retryable(code)) && !atomic;
    boolean hostNewer =
        !described
            && code == Status.Code.FAILED_PRECONDITION
            && reason.equals(Optional.of(ErrorReason.HOLDS_NEWER_GENERATION));
    return new ApplyFailure(status, unreachable(code), blocked, retryable, hostNewer);
  }

  /**
   * The agent's refusal of an Apply as older than what it holds, when asking it showed other
   * content there: the refusal stands (not retried).
   */
  static ApplyFailure refusedAsOlder() {
    return new ApplyFailure(Status.FAILED_PRECONDITION, false, false, false, true);
  }

  /**
   * Whether the retry asks the agent first: unreachable, the Apply may have been done and its
   * answer lost (the change may have cut the path), and a generation the host rolled back must not
   * be pushed again; blocked, the pending confirm must be resolved first.
   */
  boolean probeBeforeRetry() {
    return blocked || unreachable;
  }

  HostSyncState syncState() {
    return unreachable
        ? HostSyncState.HOST_SYNC_STATE_UNREACHABLE
        : HostSyncState.HOST_SYNC_STATE_FAILED;
  }

  String metricLabel() {
    return unreachable ? "unreachable" : "failed";
  }

  /**
   * The operator's message for the failed Apply of generation, retried after delayMs (0: not
   * retried).
   */
  String describe(long generation, long delayMs) {
    return describe(generation, status, retryable, delayMs);
  }

  /** Whether a call that failed with code did not reach the agent, or its answer did not return. */
  static boolean unreachable(Status.Code code) {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }

  private static final String NEWER_ADVICE =
      "; the host holds a newer generation of this DVS than this manager"
          + " wants (another manager pushed it, or this DVS was rebuilt below it): check 'switchplane host history'"
          + " (not retried automatically)";

  /**
   * The agent refused generation refused as older than what it holds, and then showed held: other
   * content at that generation, or (held 0) nothing, as the switch was removed from it at a newer
   * generation that it keeps so that an older push cannot bring the switch back.
   */
  static String hostHoldsNewer(long refused, long held) {
    if (held == 0) {
      return "agent refused generation "
          + refused
          + " (the switch was removed from the host at a newer generation,"
          + " which it keeps)"
          + NEWER_ADVICE;
    }
    return "agent refused generation "
        + refused
        + " (it holds generation "
        + held
        + " with other content)"
        + NEWER_ADVICE;
  }

  /** Whether an Apply answered with code is worth trying again (the agent's transient answers). */
  static boolean retryable(Status.Code code) {
    return unreachable(code)
        || switch (code) {
          case ABORTED, INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED, CANCELLED -> true;
          default -> false;
        };
  }

  /**
   * An operator-facing message for a failed Apply: what happened and what happens or must be done
   * next.
   */
  private static String describe(long generation, Status status, boolean retryable, long delayMs) {
    String detail =
        status.getDescription() == null
            ? status.getCode().name()
            : status.getCode() + ": " + status.getDescription();
    return switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED ->
          "agent unreachable (" + detail + "); retrying in " + delayMs + " ms";
      case FAILED_PRECONDITION ->
          retryable
              ? "agent refused generation "
                  + generation
                  + " ("
                  + detail
                  + "): an earlier apply awaits its confirm;"
                  + " checking it and retrying in "
                  + delayMs
                  + " ms"
              : "agent refused generation " + generation + " (" + detail + ")" + NEWER_ADVICE;
      case INVALID_ARGUMENT ->
          "agent rejected generation "
              + generation
              + " as invalid ("
              + detail
              + "); fix the"
              + " configuration and commit again (not retried automatically)";
      default ->
          retryable
              ? "agent failed to apply generation "
                  + generation
                  + " ("
                  + detail
                  + "); retrying in "
                  + delayMs
                  + " ms"
              : "agent answered "
                  + detail
                  + " for generation "
                  + generation
                  + "; check the agent's version and"
                  + " logs, then commit again (not retried automatically)";
    };
  }
}
