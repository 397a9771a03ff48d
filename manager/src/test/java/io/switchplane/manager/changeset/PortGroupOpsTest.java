package io.switchplane.manager.changeset;

import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.portGroup;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.manager.ManagerFixtures;
import org.junit.jupiter.api.Test;

class PortGroupOpsTest {
  private final PlanState state = new PlanState(ManagerFixtures.sample(), ManagerFixtures.hosts());
  private final PortGroupOps ops = new PortGroupOps(state, ManagerFixtures.ids());

  @Test
  void createdAndUpdatedGroupsAreNamedInTheOpResults() {
    ops.create(portGroup("app", vlan(300, true)));
    ops.update("web", portGroup("web2", vlan(101, true)));

    assertThat(state.config().portGroups().get("pg-1").getDvsId()).isEqualTo("dvs-1");
    assertThat(state.config().portGroups().get("pg-web").getName()).isEqualTo("web2");
    assertThat(state.finish(new PropertyPlanning(ns -> false, state)).portGroupIds())
        .containsExactly("pg-1", "pg-web");
  }

  @Test
  void aGroupInUseIsNotDeletedAndNamesStayUnique() {
    assertThat(failure(ErrorCode.FAILED_PRECONDITION, () -> ops.delete("web")).getMessage())
        .isEqualTo("port group 'web' is used by 1 port(s) (p1); delete or move them first");
    assertThat(
            failure(ErrorCode.ALREADY_EXISTS, () -> ops.create(portGroup("db", vlan(5, true))))
                .getMessage())
        .isEqualTo("port group 'db' exists already in DVS 'dvs1'");
    assertThat(failure(ErrorCode.INVALID_ARGUMENT, () -> ops.update("db", null)).getMessage())
        .isEqualTo("port group 'db': settings missing");
  }
}
