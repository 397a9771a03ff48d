package io.switchplane.agent.store;

import io.switchplane.api.v1.ApplyJournal;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackEvent;
import java.util.Objects;
import java.util.Optional;

/**
 * What the store keeps as the current record of one proxy switch.
 *
 * @param state the current state (the one the backend must have)
 * @param response the answer given for its generation
 * @param pending the provisional apply waiting for Confirm, or null
 * @param lastRollback the last rollback done on this switch, or null
 * @param journal an apply that was interrupted (found at start only), or null
 */
public record StoredSwitch(
    HostSwitchState state,
    ApplyResponse response,
    PendingConfirm pending,
    RollbackEvent lastRollback,
    ApplyJournal journal) {
  public StoredSwitch {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(response, "response");
  }

  public StoredSwitch(HostSwitchState state, ApplyResponse response) {
    this(state, response, null, null, null);
  }

  public String dvsId() {
    return state.getDvs().getId();
  }

  public Optional<PendingConfirm> pendingConfirm() {
    return Optional.ofNullable(pending);
  }
}
