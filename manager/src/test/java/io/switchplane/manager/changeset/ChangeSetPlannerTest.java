package io.switchplane.manager.changeset;

import static io.switchplane.manager.ManagerFixtures.H1;
import static io.switchplane.manager.ManagerFixtures.H2;
import static io.switchplane.manager.ManagerFixtures.H3;
import static io.switchplane.manager.ManagerFixtures.addMember;
import static io.switchplane.manager.ManagerFixtures.createPort;
import static io.switchplane.manager.ManagerFixtures.createPortGroup;
import static io.switchplane.manager.ManagerFixtures.deletePort;
import static io.switchplane.manager.ManagerFixtures.deletePortGroup;
import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.mtu;
import static io.switchplane.manager.ManagerFixtures.port;
import static io.switchplane.manager.ManagerFixtures.portGroup;
import static io.switchplane.manager.ManagerFixtures.removeMember;
import static io.switchplane.manager.ManagerFixtures.trunk;
import static io.switchplane.manager.ManagerFixtures.updateDvs;
import static io.switchplane.manager.ManagerFixtures.updatePort;
import static io.switchplane.manager.ManagerFixtures.updatePortGroup;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.FieldMaskUtil;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.UplinkNic;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.manager.ManagerFixtures;
import io.switchplane.manager.ManagerFixtures.Snapshot;
import io.switchplane.manager.model.DvsConfig;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeSetPlannerTest {
  private final DvsConfig before = ManagerFixtures.sample();
  private final Snapshot snapshot = Snapshot.of(before);
  private final ChangeSetPlanner planner =
      new ChangeSetPlanner(ManagerFixtures.hosts(), ManagerFixtures.ids());

  /** Plans ops, expects code, checks the input did not change, returns the message. */
  private String rejected(ErrorCode code, ChangeOp... ops) {
    String message = failure(code, () -> planner.plan(before, List.of(ops))).getMessage();
    snapshot.assertSame(before);
    return message;
  }

  @Test
  void aPlanThatSetsWhatIsThereChangesNothing() {
    // What the planner stores (an unspecified binding is stored as static), set again.
    DvsConfig stored =
        planner
            .plan(before, List.of(updatePortGroup("web", before.portGroups().get("pg-web"))))
            .after();
    Plan same =
        planner.plan(
            stored,
            List.of(
                updatePortGroup("web", stored.portGroups().get("pg-web")),
                updatePort("p1", stored.ports().get("p1")),
                updateDvs(stored.dvs())));
    Plan other = planner.plan(before, List.of(updatePort("p2", port("p2", "web", ""))));
    Plan createdAndDeleted =
        planner.plan(before, List.of(createPort("tmp", "web", ""), deletePort("tmp")));

    assertThat(same.changesNothing()).isTrue();
    assertThat(other.changesNothing()).isFalse();
    assertThat(createdAndDeleted.changesNothing()).isTrue();
  }

  @Test
  void aDvsMaskOnAnotherOpIsRefused() {
    ChangeOp op =
        deletePort("p1").toBuilder().setUpdateDvsMask(FieldMaskUtil.fromString("mtu")).build();
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, op))
        .isEqualTo("update_dvs_mask goes with an update_dvs operation only");
  }

  @Test
  void opsApplyInOrderAndWritesAreOnePerEntity() {
    Plan plan =
        planner.plan(
            before,
            List.of(
                createPortGroup("app", vlan(300, true)),
                createPort("p3", "app", "esx1"),
                updatePort("p3", port("p3", "app", "esx2")),
                createPort("tmp", "web", ""),
                deletePort("tmp")));

    DvsConfig after = plan.after();
    assertThat(after.generation()).isEqualTo(6);
    assertThat(after.portGroups().get("pg-1").getName()).isEqualTo("app");
    assertThat(after.portGroups().get("pg-1").getDvsId()).isEqualTo("dvs-1");
    assertThat(after.ports().get("p3").getHostId()).isEqualTo(H2.getId());
    assertThat(after.ports().get("p3").getPortGroupId()).isEqualTo("pg-1");
    assertThat(after.ports()).doesNotContainKey("tmp");
    assertThat(plan.writes())
        .containsExactly(
            new EntityWrite.PutPortGroup(after.portGroups().get("pg-1"), true),
            new EntityWrite.PutPort(after.ports().get("p3"), true));
    assertThat(plan.portGroupIds()).containsExactly("pg-1");
    snapshot.assertSame(before);
  }

  @Test
  void vlanOutsideOneTo4094IsInvalid() {
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, createPortGroup("bad", vlan(4095, false))))
        .contains("VLAN 4095 is outside 1-4094");
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, createPortGroup("bad", vlan(0, false))))
        .contains("VLAN 0 is outside 1-4094");
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, createPortGroup("bad", trunk(1, 4095))))
        .contains("VLAN 4095");
  }

  @Test
  void overlappingTrunkRangesAreInvalid() {
    assertThat(
            rejected(ErrorCode.INVALID_ARGUMENT, createPortGroup("trunk", trunk(10, 20, 15, 30))))
        .contains("trunk ranges 10-20 and 15-30 overlap");
  }

  @Test
  void duplicateNamesAndKeysAlreadyExist() {
    assertThat(rejected(ErrorCode.ALREADY_EXISTS, createPortGroup("web", vlan(5, false))))
        .contains("port group 'web' exists already in DVS 'dvs1'");
    assertThat(
            rejected(
                ErrorCode.ALREADY_EXISTS,
                updatePortGroup("db", portGroup("web", vlan(200, false)))))
        .contains("'web' exists already");
    assertThat(rejected(ErrorCode.ALREADY_EXISTS, createPort("p1", "web", "")))
        .contains("port 'p1' exists already");
    assertThat(rejected(ErrorCode.ALREADY_EXISTS, addMember(H1))).contains("already a member");
  }

  @Test
  void mtuOutside1280To9000IsInvalid() {
    Dvs settings = before.dvs().toBuilder().setMtu(1000).build();
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, updateDvs(settings)))
        .contains("MTU 1000 is outside 1280-9000");
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, createPortGroup("jumbo", mtu(9001))))
        .contains("MTU 9001 is outside 1280-9000");
  }

  @Test
  void portOnHostThatIsNotAMemberFailsPrecondition() {
    assertThat(rejected(ErrorCode.FAILED_PRECONDITION, createPort("p9", "web", "esx3")))
        .contains("host 'esx3' is not a member of DVS 'dvs1'");
    assertThat(
            rejected(ErrorCode.FAILED_PRECONDITION, updatePort("p2", port("p2", "db", H3.getId()))))
        .contains("not a member");
  }

  @Test
  void portGroupInUseCannotBeDeleted() {
    assertThat(rejected(ErrorCode.FAILED_PRECONDITION, deletePortGroup("web")))
        .contains("port group 'web' is used by 1 port(s) (p1)");
    // Once its port is gone, in the same change set, it can.
    Plan plan = planner.plan(before, List.of(deletePort("p1"), deletePortGroup("web")));
    assertThat(plan.after().portGroups()).doesNotContainKey("pg-web");
    assertThat(plan.writes())
        .containsExactly(
            new EntityWrite.DeletePortGroup("pg-web"), new EntityWrite.DeletePort("p1"));
  }

  @Test
  void unknownReferencesAreNotFound() {
    assertThat(rejected(ErrorCode.NOT_FOUND, createPort("p9", "nope", "")))
        .contains("port group 'nope' not found");
    assertThat(rejected(ErrorCode.NOT_FOUND, createPort("p9", "web", "ghost")))
        .contains("host 'ghost' is not registered");
    assertThat(rejected(ErrorCode.NOT_FOUND, deletePort("nope"))).contains("port 'nope' not found");
    assertThat(rejected(ErrorCode.NOT_FOUND, updatePort("nope", port("nope", "web", ""))))
        .contains("not found");
    assertThat(
            rejected(ErrorCode.NOT_FOUND, updatePortGroup("nope", portGroup("x", vlan(5, false)))))
        .contains("port group 'nope' not found");
    assertThat(rejected(ErrorCode.NOT_FOUND, deletePortGroup("nope"))).contains("not found");
    assertThat(rejected(ErrorCode.NOT_FOUND, removeMember("ghost"))).contains("not registered");
    assertThat(rejected(ErrorCode.NOT_FOUND, removeMember("esx3")))
        .contains("host 'esx3' is not a member");
    assertThat(
            rejected(
                ErrorCode.NOT_FOUND,
                addMember(ManagerFixtures.H3.toBuilder().setId("ghost").build())))
        .contains("not registered");
  }

  @Test
  void malformedOperationsAreInvalid() {
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, ChangeOp.getDefaultInstance()))
        .contains("empty operation");
    assertThat(
            failure(ErrorCode.INVALID_ARGUMENT, () -> planner.plan(before, List.of())).getMessage())
        .contains("no operations");
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () ->
                        planner.plan(
                            before,
                            Collections.nCopies(ChangeSetPlanner.MAX_OPS + 1, deletePort("p1"))))
                .getMessage())
        .contains("20,001 operations, the limit is 20,000");
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, createPort("", "web", "")))
        .contains("port key is empty");
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, createPort("bad key", "web", "")))
        .contains("port key 'bad key'");
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, createPort("p9", "", "")))
        .contains("port group missing");
    assertThat(
            rejected(
                ErrorCode.INVALID_ARGUMENT,
                ChangeOp.newBuilder()
                    .setUpdatePort(io.switchplane.api.v1.PortUpdate.newBuilder().setKey("p1"))
                    .build()))
        .contains("settings missing");
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, createPortGroup("", vlan(5, false))))
        .contains("name is empty");
  }

  @Test
  void memberWithPortsCannotLeave() {
    assertThat(rejected(ErrorCode.FAILED_PRECONDITION, removeMember("esx1")))
        .contains("host 'esx1' has 1 port(s) on DVS 'dvs1' (p1)");
    Plan plan = planner.plan(before, List.of(removeMember("esx2")));
    assertThat(plan.after().dvs().getMembersList())
        .extracting(HostMember::getHostId)
        .containsExactly(H1.getId());
  }

  @Test
  void settingsChangeThatBreaksPortGroupsIsRejected() {
    Dvs oneUplink = before.dvs().toBuilder().clearUplinks().addUplinks("uplink1").build();
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, updateDvs(oneUplink)))
        .contains("the new DVS settings do not fit the existing configuration")
        .contains("port group 'web'")
        .contains("'uplink2'");
  }

  @Test
  void portGroupChangeThatLocksAnOverriddenFieldIsRejected() {
    Port overriding = port("p5", "web", "").toBuilder().setPolicy(vlan(150, false)).build();
    ChangeOp create = ChangeOp.newBuilder().setCreatePort(overriding).build();
    ChangeOp lock = updatePortGroup("web", portGroup("web", vlan(100, false)));
    assertThat(rejected(ErrorCode.FAILED_PRECONDITION, create, lock))
        .startsWith("operation 2 of 2 (update_port_group): port group 'web'")
        .contains("does not allow overriding it");
    // A port overriding a field the port group locked is rejected on its own too.
    assertThat(
            rejected(
                ErrorCode.FAILED_PRECONDITION,
                createPort("p6", "db", "").toBuilder()
                    .setCreatePort(port("p6", "db", "").toBuilder().setPolicy(vlan(7, false)))
                    .build()))
        .contains("does not allow overriding");
  }

  @Test
  void membersResolveByNameAndAreReportedForTheStoreToCheck() {
    ChangeOp op =
        ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("esx3")).build();
    Plan plan = planner.plan(before, List.of(op));
    assertThat(plan.addedMembers()).containsExactly(H3.getId());
    assertThat(plan.after().member(H3.getId())).isPresent();
    assertThat(plan.writes()).isEmpty();
    ChangeOp badNic =
        ChangeOp.newBuilder()
            .setAddMember(
                HostMember.newBuilder().setHostId("esx3").putUplinkNics("uplink9", "eth9"))
            .build();
    assertThat(rejected(ErrorCode.INVALID_ARGUMENT, badNic))
        .contains("uplink 'uplink9' is not an uplink");
  }

  @Test
  void anUplinkNicIsOnePortOfAMemberHostAndAnUplinkOfTheDvs() {
    ChangeOp nic1 = ChangeOp.newBuilder().setCreatePort(uplinkNic("u1", "uplink1", "esx1")).build();
    Plan plan = planner.plan(before, List.of(nic1));
    assertThat(plan.after().ports().get("u1").getConnectee().getUplinkNic().getUplink())
        .isEqualTo("uplink1");

    assertThat(
            rejected(
                ErrorCode.INVALID_ARGUMENT,
                ChangeOp.newBuilder().setCreatePort(uplinkNic("u1", "uplink7", "esx1")).build()))
        .contains(
            "port 'u1': uplink NIC of uplink 'uplink7', which is not an uplink of DVS 'dvs1'");
    assertThat(
            rejected(
                ErrorCode.INVALID_ARGUMENT,
                ChangeOp.newBuilder().setCreatePort(uplinkNic("u1", "uplink1", "")).build()))
        .contains("port 'u1': an uplink NIC port is the NIC of one host");
    assertThat(
            rejected(
                ErrorCode.FAILED_PRECONDITION,
                ChangeOp.newBuilder().setCreatePort(uplinkNic("u1", "uplink1", "esx3")).build()))
        .contains("is not a member of DVS 'dvs1'");
    assertThat(
            rejected(
                ErrorCode.FAILED_PRECONDITION,
                nic1,
                ChangeOp.newBuilder().setCreatePort(uplinkNic("u2", "uplink1", "esx1")).build()))
        .contains("port 'u2': the NIC of uplink 'uplink1' on host 'esx1' is port 'u1' already");
    // Freed in the same change set, the NIC can be another port's.
    assertThat(
            planner
                .plan(
                    before,
                    List.of(
                        nic1,
                        deletePort("u1"),
                        ChangeOp.newBuilder()
                            .setCreatePort(uplinkNic("u2", "uplink1", "esx1"))
                            .build()))
                .after()
                .ports())
        .containsKey("u2");
    // The DVS cannot lose an uplink that a port is the NIC of (members mapping no NIC, so only the
    // port stands in the way).
    DvsConfig withNic =
        DvsConfig.of(
            plan.after().dvs().toBuilder()
                .clearMembers()
                .addMembers(HostMember.newBuilder().setHostId(H1.getId()))
                .addMembers(HostMember.newBuilder().setHostId(H2.getId()))
                .build(),
            plan.after().portGroups(),
            plan.after().ports());
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () ->
                        planner.plan(
                            withNic,
                            List.of(
                                updateDvs(
                                    withNic.dvs().toBuilder()
                                        .clearUplinks()
                                        .addUplinks("uplink2")
                                        .build()))))
                .getMessage())
        .contains(
            "port 'u1': uplink NIC of uplink 'uplink1', which is not an uplink of DVS 'dvs1'");
  }

  private static Port uplinkNic(String key, String uplink, String host) {
    return port(key, "web", host).toBuilder()
        .setConnectee(Connectee.newBuilder().setUplinkNic(UplinkNic.newBuilder().setUplink(uplink)))
        .build();
  }

  @Test
  void newDvsGetsDefaultsAndIsValidated() {
    Dvs dvs =
        ChangeSetPlanner.newDvs(
            "id-1",
            Dvs.newBuilder()
                .setName("sw")
                .setGeneration(9)
                .addMembers(HostMember.newBuilder().setHostId("x"))
                .build());
    assertThat(dvs.getUplinksList()).containsExactly("uplink1", "uplink2");
    assertThat(dvs.getMtu()).isEqualTo(1500);
    assertThat(dvs.getGeneration()).isEqualTo(1);
    assertThat(dvs.getMembersList()).isEmpty();
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () ->
                        ChangeSetPlanner.newDvs("id", Dvs.newBuilder().setName("bad name").build()))
                .getMessage())
        .contains("DVS name 'bad name' is not allowed");
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () ->
                        ChangeSetPlanner.newDvs(
                            "id", Dvs.newBuilder().setName("sw").setMtu(100).build()))
                .getMessage())
        .contains("MTU 100 is outside 1280-9000");
  }
}
