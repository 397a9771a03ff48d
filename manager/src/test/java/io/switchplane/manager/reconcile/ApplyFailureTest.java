package io.switchplane.manager.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import org.junit.jupiter.api.Test;

class ApplyFailureTest {
  private static ApplyFailure of(Status status, boolean described, boolean atomic) {
    return ApplyFailure.of(status.asRuntimeException(), described, atomic);
  }

  /** A refusal as the agent sends it: FAILED_PRECONDITION with its typed reason. */
  private static ApplyFailure refused(ErrorReason reason, boolean described, boolean atomic) {
    return ApplyFailure.of(
        StatusMapping.toStatus(SwitchplaneException.precondition("refused").because(reason)),
        described,
        atomic);
  }

  @Test
  void anUnreachableAgentIsRetriedAfterAProbe() {
    ApplyFailure f = of(Status.UNAVAILABLE, false, false);
    assertThat(f.unreachable()).isTrue();
    assertThat(f.retryable()).isTrue();
    assertThat(f.probeBeforeRetry()).isTrue();
    assertThat(f.syncState()).isEqualTo(HostSyncState.HOST_SYNC_STATE_UNREACHABLE);
    assertThat(f.metricLabel()).isEqualTo("unreachable");
    assertThat(f.describe(3, 40)).isEqualTo("agent unreachable (UNAVAILABLE); retrying in 40 ms");
  }

  @Test
  void aPendingConfirmBlocksTheApplyUntilProbedAndRetried() {
    ApplyFailure f = refused(ErrorReason.AWAITING_CONFIRM, false, false);
    assertThat(f.blocked()).isTrue();
    assertThat(f.retryable()).isTrue();
    assertThat(f.probeBeforeRetry()).isTrue();
    assertThat(f.unreachable()).isFalse();
    assertThat(f.syncState()).isEqualTo(HostSyncState.HOST_SYNC_STATE_FAILED);
  }

  @Test
  void aTransientAgentErrorIsRetriedWithoutAProbe() {
    ApplyFailure f = of(Status.ABORTED, false, false);
    assertThat(f.retryable()).isTrue();
    assertThat(f.probeBeforeRetry()).isFalse();
    assertThat(f.metricLabel()).isEqualTo("failed");
  }

  @Test
  void atomicAppliesAreNeverRetried() {
    assertThat(of(Status.UNAVAILABLE, false, true).retryable()).isFalse();
    assertThat(refused(ErrorReason.AWAITING_CONFIRM, false, true).retryable()).isFalse();
  }

  @Test
  void aRefusalAsOlderIsTheHostHoldingNewerUnlessThePusherDescribedTheFailure() {
    ApplyFailure f = refused(ErrorReason.HOLDS_NEWER_GENERATION, false, false);
    assertThat(f.hostNewer()).isTrue();
    assertThat(f.retryable()).isFalse();
    assertThat(f.blocked()).isFalse();

    ApplyFailure described = refused(ErrorReason.HOLDS_NEWER_GENERATION, true, false);
    assertThat(described.hostNewer()).isFalse();
    assertThat(of(Status.UNAVAILABLE, true, false).retryable()).isFalse();
  }

  @Test
  void theReasonDecidesNotTheMessageText() {
    ApplyFailure f =
        of(
            Status.FAILED_PRECONDITION.withDescription(
                "generation 2 is awaiting confirm; generation 1 is older than the applied generation 3"),
            false,
            false);
    assertThat(f.blocked()).isFalse();
    assertThat(f.hostNewer()).isFalse();
    assertThat(f.retryable()).isFalse();
  }
}
