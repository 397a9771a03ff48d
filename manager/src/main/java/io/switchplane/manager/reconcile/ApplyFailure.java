package io.switchplane.manager.reconcile;

import io.grpc.Status;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import java.util.Optional;

/**
 * How a pusher reads one failed Apply: whether the host was unreachable, whether a pending confirm
 * left on the agent blocked it, whether retrying can help, and whether the agent holds a newer
 * generation. A failure the pusher describes itself (the Apply never reached the agent) is neither
 * retried nor taken as the agent's refusal.
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
    boolean retryable = !described && (blocked || PushFailures.retryable(code)) && !atomic;
    boolean hostNewer =
        !described
            && code == Status.Code.FAILED_PRECONDITION
            && reason.equals(Optional.of(ErrorReason.HOLDS_NEWER_GENERATION));
    return new ApplyFailure(status, PushFailures.unreachable(code), blocked, retryable, hostNewer);
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
    return PushFailures.describe(generation, status, retryable, delayMs);
  }
}
