package io.switchplane.manager.changeset;

import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.portGroup;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.FieldMaskUtil;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.model.LogicalNetworks;
import io.switchplane.manager.ManagerFixtures;
import io.switchplane.manager.model.DvsConfig;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PortGroupOpsTest {
  private final PlanState state = new PlanState(ManagerFixtures.sample(), ManagerFixtures.hosts());
  private final PortGroupOps ops = new PortGroupOps(state, ManagerFixtures.ids());

  @Test
  void createdAndUpdatedGroupsAreNamedInTheOpResults() {
    ops.create(portGroup("app", vlan(300, true)));
    ops.update("web", portGroup("web2", vlan(101, true)), null);

    assertThat(state.config().portGroups().get("pg-1").getDvsId()).isEqualTo("dvs-1");
    assertThat(state.config().portGroups().get("pg-web").getName()).isEqualTo("web2");
    assertThat(state.finish(new PropertyPlanning(ns -> false, state)).portGroupIds())
        .containsExactly("pg-1", "pg-web");
  }

  @Test
  void aMaskTakesOnlyTheFieldsItNamesAndKeepsTheRest() {
    PortGroup before = state.config().portGroups().get("pg-web");

    ops.update(
        "web",
        PortGroup.newBuilder().setName("dropped").setNumPorts(32).build(),
        FieldMaskUtil.fromString("num_ports"));
    ops.update(
        "web", portGroup("dropped", vlan(101, true)), FieldMaskUtil.fromString("policy.vlan"));

    PortGroup after = state.config().portGroups().get("pg-web");
    assertThat(after.getName()).isEqualTo("web");
    assertThat(after.getNumPorts()).isEqualTo(32);
    assertThat(after.getPolicy().getVlan().getValue().getAccessId()).isEqualTo(101);
    assertThat(after.getPolicy().getTeaming()).isEqualTo(before.getPolicy().getTeaming());
  }

  @Test
  void aMaskPathThatIsNoUpdatableFieldIsRefusedByName() {
    PortGroup settings = PortGroup.newBuilder().setNumPorts(4).build();
    for (String path : new String[] {"nope", "id", "properties", "policy.nope"}) {
      assertThat(
              failure(
                      ErrorCode.INVALID_ARGUMENT,
                      () -> ops.update("web", settings, FieldMaskUtil.fromString(path)))
                  .getMessage())
          .startsWith("update_mask path '" + path + "' is not an updatable field of a port group");
    }
    assertThat(state.config().portGroups().get("pg-web").getNumPorts()).isZero();
  }

  @Test
  void aGroupInUseIsNotDeletedAndNamesStayUnique() {
    assertThat(failure(ErrorCode.FAILED_PRECONDITION, () -> ops.delete("web")).getMessage())
        .isEqualTo("port group 'web' is used by 1 port(s) (p1); delete or move them first");
    assertThat(
            failure(ErrorCode.ALREADY_EXISTS, () -> ops.create(portGroup("db", vlan(5, true))))
                .getMessage())
        .isEqualTo("port group 'db' exists already in DVS 'dvs1'");
    assertThat(failure(ErrorCode.INVALID_ARGUMENT, () -> ops.update("db", null, null)).getMessage())
        .isEqualTo("port group 'db': settings missing");
  }

  @Test
  void aNewGroupGetsItsOwnLogicalNetworkIdThatNoUpdateChanges() {
    ops.create(portGroup("app", vlan(300, true)));
    ops.create(portGroup("app2", vlan(301, true)));
    String app = state.config().portGroups().get("pg-1").getLogicalNetworkId();
    assertThat(UUID.fromString(app).version()).isEqualTo(4);
    assertThat(state.config().portGroups().get("pg-2").getLogicalNetworkId()).isNotEqualTo(app);

    // Replace without the id, and a read-modify-write repeating it, both keep it.
    ops.update("app", portGroup("app", vlan(302, true)), null);
    ops.update(
        "app", state.config().portGroups().get("pg-1").toBuilder().setNumPorts(8).build(), null);
    assertThat(state.config().portGroups().get("pg-1").getLogicalNetworkId()).isEqualTo(app);
  }

  @Test
  void changingTheLogicalNetworkIdIsRefusedWithItsReason() {
    PortGroup before = state.config().portGroups().get("pg-web");
    PortGroup other = before.toBuilder().setLogicalNetworkId(UUID.randomUUID().toString()).build();

    SwitchplaneException replaced =
        failure(ErrorCode.INVALID_ARGUMENT, () -> ops.update("web", other, null));
    SwitchplaneException masked =
        failure(
            ErrorCode.INVALID_ARGUMENT,
            () -> ops.update("web", other, FieldMaskUtil.fromString("logical_network_id")));
    SwitchplaneException created =
        failure(
            ErrorCode.INVALID_ARGUMENT, () -> ops.create(other.toBuilder().setName("x").build()));

    for (SwitchplaneException e : List.of(replaced, masked, created)) {
      assertThat(e.reason()).contains(ErrorReason.LOGICAL_NETWORK_ID_IMMUTABLE);
    }
    assertThat(replaced.getMessage())
        .isEqualTo(
            "port group 'web': its logical network id "
                + before.getLogicalNetworkId()
                + " never changes");
    assertThat(state.config().portGroups().get("pg-web")).isEqualTo(before);
  }

  @Test
  void aGroupStoredWithoutAnIdReadsWithTheSameDerivedOneEveryTime() {
    PortGroup legacy =
        state.config().portGroups().get("pg-web").toBuilder().clearLogicalNetworkId().build();
    String first = LogicalNetworks.withId(legacy).getLogicalNetworkId();

    assertThat(first).isEqualTo(LogicalNetworks.derivedId("dvs-1", "pg-web"));
    assertThat(UUID.fromString(first).version()).isEqualTo(3);
    assertThat(LogicalNetworks.derivedId("dvs-1", "pg-db")).isNotEqualTo(first);
    assertThat(
            DvsConfig.of(state.config().dvs(), Map.of("pg-web", legacy), Map.of())
                .portGroups()
                .get("pg-web")
                .getLogicalNetworkId())
        .isEqualTo(first);
  }
}
