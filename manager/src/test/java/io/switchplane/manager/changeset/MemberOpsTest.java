package io.switchplane.manager.changeset;

import static io.switchplane.manager.ManagerFixtures.H1;
import static io.switchplane.manager.ManagerFixtures.H2;
import static io.switchplane.manager.ManagerFixtures.H3;
import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.manager.ManagerFixtures;
import org.junit.jupiter.api.Test;

class MemberOpsTest {
  private final PlanState state = new PlanState(ManagerFixtures.sample(), ManagerFixtures.hosts());
  private final MemberOps ops = new MemberOps(state);

  @Test
  void aHostJoinsByNameAndLeavesById() {
    ops.add(member(H3).toBuilder().setHostId("esx3").build());
    assertThat(state.isMember(H3.getId())).isTrue();

    ops.remove(H2.getId());
    assertThat(state.isMember(H2.getId())).isFalse();
    assertThat(state.finish(new PropertyPlanning(ns -> false, state)).addedMembers())
        .containsExactly(H3.getId());
  }

  @Test
  void aHostWithPortsStaysAndAMemberDoesNotJoinTwice() {
    assertThat(failure(ErrorCode.FAILED_PRECONDITION, () -> ops.remove("esx1")).getMessage())
        .isEqualTo(
            "host 'esx1' has 1 port(s) on DVS 'dvs1' (p1); delete them or move them off it first");
    assertThat(failure(ErrorCode.ALREADY_EXISTS, () -> ops.add(member(H1))).getMessage())
        .isEqualTo("host 'esx1' is already a member of DVS 'dvs1'");
    assertThat(failure(ErrorCode.NOT_FOUND, () -> ops.remove("esx3")).getMessage())
        .isEqualTo("host 'esx3' is not a member of DVS 'dvs1'");
  }
}
