package io.switchplane.manager.changeset;

import static io.switchplane.manager.ManagerFixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.FieldMaskUtil;
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
        Dvs.newBuilder().setName("dvs2").addUplinks("uplink1").addUplinks("uplink2").build(), null);

    assertThat(state.dvs().getName()).isEqualTo("dvs2");
    assertThat(state.dvs().getMtu()).isEqualTo(1500);
    assertThat(state.dvs().getMembersCount()).isEqualTo(2);
  }

  @Test
  void aMaskedUpdateChangesOnlyTheNamedSetting() {
    ops.update(Dvs.newBuilder().setMtu(9000).build(), FieldMaskUtil.fromString("mtu"));

    assertThat(state.dvs().getMtu()).isEqualTo(9000);
    assertThat(state.dvs().getName()).isEqualTo("dvs1");
    assertThat(state.dvs().getUplinksList()).containsExactly("uplink1", "uplink2");
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () -> ops.update(Dvs.getDefaultInstance(), FieldMaskUtil.fromString("members")))
                .getMessage())
        .startsWith("update_mask path 'members' is not an updatable field of a DVS");
  }

  @Test
  void settingsThatExistingGroupsDoNotFitAreRefused() {
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () ->
                        ops.update(
                            Dvs.newBuilder().setName("dvs1").addUplinks("uplink1").build(), null))
                .getMessage())
        .startsWith("the new DVS settings do not fit the existing configuration: ");
    assertThat(state.dvs().getUplinksCount()).isEqualTo(2);
  }
}
