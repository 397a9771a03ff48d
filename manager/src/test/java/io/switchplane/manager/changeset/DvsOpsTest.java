package io.switchplane.manager.changeset;

import static io.switchplane.manager.ManagerFixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Dvs;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.manager.ManagerFixtures;
import org.junit.jupiter.api.Test;

class DvsOpsTest {
  private final PlanState state = new PlanState(ManagerFixtures.sample(), ManagerFixtures.hosts());
  private final DvsOps ops = new DvsOps(state);

  @Test
  void newSettingsKeepMembersAndDefaultTheMtu() {
    ops.update(
        Dvs.newBuilder().setName("dvs2").addUplinks("uplink1").addUplinks("uplink2").build());

    assertThat(state.dvs().getName()).isEqualTo("dvs2");
    assertThat(state.dvs().getMtu()).isEqualTo(1500);
    assertThat(state.dvs().getMembersCount()).isEqualTo(2);
  }

  @Test
  void settingsThatExistingGroupsDoNotFitAreRefused() {
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () ->
                        ops.update(Dvs.newBuilder().setName("dvs1").addUplinks("uplink1").build()))
                .getMessage())
        .startsWith("the new DVS settings do not fit the existing configuration: ");
    assertThat(state.dvs().getUplinksCount()).isEqualTo(2);
  }
}
