package io.switchplane.manager.changeset;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;
import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.precondition;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.ConfigLookup;
import java.util.ArrayList;
import java.util.List;

/**
 * The membership ops of one planning run: a registered host joins the DVS, or a member leaves it.
 */
final class MemberOps {
  private final PlanState state;

  MemberOps(PlanState state) {
    this.state = state;
  }

  void add(HostMember requested) {
    if (requested.getHostId().isEmpty()) {
      throw invalid("host missing: give the id or name of a registered host");
    }
    Host host = state.host(requested.getHostId());
    if (state.isMember(host.getId())) {
      throw alreadyExists(
          "host '%s' is already a member of DVS '%s'", host.getName(), state.dvs().getName());
    }
    HostMember member = requested.toBuilder().setHostId(host.getId()).clearProperties().build();
    ModelValidator.validateMember(state.dvs(), member, host.getName());
    state.addMember(member);
  }

  void remove(String ref) {
    if (ref.isEmpty()) {
      throw invalid("host missing: give the id or name of a member host");
    }
    String hostId = ConfigLookup.hostId(state::isMember, ref, state::host);
    Dvs dvs = state.dvs();
    int index = -1;
    for (int i = 0; i < dvs.getMembersCount(); i++) {
      if (dvs.getMembers(i).getHostId().equals(hostId)) {
        index = i;
      }
    }
    if (index < 0) {
      throw ConfigLookup.notMember(state.hostName(hostId), dvs);
    }
    List<String> placed = new ArrayList<>();
    for (Port p : state.config().ports().values()) {
      if (p.getHostId().equals(hostId)) {
        placed.add(p.getKey());
      }
    }
    if (!placed.isEmpty()) {
      throw precondition(
          "host '%s' has %d port(s) on DVS '%s' (%s); delete them or move them off it first",
          state.hostName(hostId), placed.size(), dvs.getName(), PlanState.sample(placed));
    }
    state.config().dvs(dvs.toBuilder().removeMembers(index).build());
  }
}
