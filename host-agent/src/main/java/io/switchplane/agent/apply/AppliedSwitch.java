package io.switchplane.agent.apply;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostSwitchState;
import java.util.Map;

/**
 * What one proxy switch has applied, as one immutable value so that readers see the state, its
 * effective ports and the stored answer of the same generation without taking the apply lock.
 *
 * @param state the applied final state (member=false once the switch was removed)
 * @param effective its effective ports by key (unmodifiable; empty for a removed switch)
 * @param response the answer given for state's generation, replayed for repeats
 * @param tally what the apply needs of all of state's ports ({@link PortTally})
 */
public record AppliedSwitch(
    HostSwitchState state,
    Map<String, EffectivePort> effective,
    ApplyResponse response,
    PortTally tally) {
  /** A state read back or restored, its ports tallied. */
  public AppliedSwitch(
      HostSwitchState state, Map<String, EffectivePort> effective, ApplyResponse response) {
    this(state, effective, response, PortTally.of(state));
  }

  public String dvsId() {
    return state.getDvs().getId();
  }

  public long generation() {
    return state.getDvs().getGeneration();
  }

  /** False once a member=false state removed the switch; its record is kept for its generation. */
  public boolean present() {
    return state.getMember();
  }
}
