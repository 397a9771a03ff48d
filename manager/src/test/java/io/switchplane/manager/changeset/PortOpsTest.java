package io.switchplane.manager.changeset;

import static io.switchplane.manager.ManagerFixtures.H2;
import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.port;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.FieldMaskUtil;
import io.switchplane.api.v1.Port;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.manager.ManagerFixtures;
import org.junit.jupiter.api.Test;

class PortOpsTest {
  private final PlanState state = new PlanState(ManagerFixtures.sample(), ManagerFixtures.hosts());
  private final PortOps ops = new PortOps(state);

  @Test
  void referencesAreResolvedByName() {
    ops.create(port("p3", "db", "esx2"));

    assertThat(state.config().ports().get("p3").getPortGroupId()).isEqualTo("pg-db");
    assertThat(state.config().ports().get("p3").getHostId()).isEqualTo(H2.getId());
    assertThat(state.portsByGroup().keysOf("pg-db")).containsExactly("p2", "p3");
  }

  @Test
  void aMaskedUpdateKeepsPlacementAndConnectee() {
    ops.update(
        "p1",
        Port.newBuilder().setDescription("db uplink").build(),
        FieldMaskUtil.fromString("description"));

    Port p1 = state.config().ports().get("p1");
    assertThat(p1.getDescription()).isEqualTo("db uplink");
    assertThat(p1.getPortGroupId()).isEqualTo("pg-web");
    assertThat(p1.getHostId()).isEqualTo(ManagerFixtures.H1.getId());
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () -> ops.update("p1", null, FieldMaskUtil.fromString("key")))
                .getMessage())
        .startsWith("update_mask path 'key' is not an updatable field of a port");
  }

  @Test
  void unknownKeysAndHostsThatAreNotMembersAreRefused() {
    assertThat(failure(ErrorCode.NOT_FOUND, () -> ops.delete("p9")).getMessage())
        .isEqualTo("port 'p9' not found in DVS 'dvs1'");
    assertThat(failure(ErrorCode.INVALID_ARGUMENT, () -> ops.update("", null, null)).getMessage())
        .isEqualTo("port key is empty");
    assertThat(
            failure(ErrorCode.FAILED_PRECONDITION, () -> ops.create(port("p3", "web", "esx3")))
                .getMessage())
        .startsWith("port 'p3': host 'esx3' is not a member of DVS 'dvs1'");
  }
}
