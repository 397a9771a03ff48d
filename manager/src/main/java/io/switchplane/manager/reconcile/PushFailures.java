package io.switchplane.manager.reconcile;

import io.grpc.Status;

/**
 * How the pushers read a failed agent call: whether retrying can help, and what to tell the
 * operator.
 */
final class PushFailures {
  private PushFailures() {}

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
  static String describe(long generation, Status status, boolean retryable, long delayMs) {
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
