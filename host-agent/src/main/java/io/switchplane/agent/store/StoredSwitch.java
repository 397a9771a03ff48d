package io.switchplane.agent.store;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HostSwitchState;
import java.util.Objects;

/** What the store keeps as the current record of one proxy switch: the applied state and the answer given. */
public record StoredSwitch(HostSwitchState state, ApplyResponse response) {
  public StoredSwitch {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(response, "response");
  }

  public String dvsId() {
    return state.getDvs().getId();
  }
}
