package io.switchplane.manager.changeset;

import static io.switchplane.manager.ManagerFixtures.createPort;
import static io.switchplane.manager.ManagerFixtures.deletePort;
import static io.switchplane.manager.ManagerFixtures.deletePortGroup;
import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.portGroup;
import static io.switchplane.manager.ManagerFixtures.updatePort;
import static io.switchplane.manager.ManagerFixtures.updatePortGroup;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.FieldMaskUtil;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.EntityRef;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.PropertyChange;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.ManagerFixtures;
import io.switchplane.manager.model.DvsConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The rules of owned networks, through the planner: a network manager publishes, changes and
 * withdraws its own; operators attach ports but change nothing of it; every refusal is alone and
 * leaves the configuration as it was.
 */
class OwnedNetworksTest {
  private static final String SEGMENT = "0F6E2C1A-7B3D-4E5F-9A8B-1C2D3E4F5A6B";
  private static final String SEGMENT_ID = SEGMENT.toLowerCase(java.util.Locale.ROOT);
  private static final Author NSX = Author.networkManager("nsx");
  private static final Author OTHER = Author.networkManager("aci");

  private final ChangeSetPlanner planner =
      new ChangeSetPlanner(ManagerFixtures.hosts(), ns -> true, ManagerFixtures.ids());

  /** sample() with network "seg" (id pg-1, VLAN 300) published by nsx and port p3 attached. */
  private final DvsConfig published =
      plan(
          plan(ManagerFixtures.sample(), NSX, publish("seg", SEGMENT)),
          Author.OPERATOR,
          createPort("p3", "seg", "esx1"));

  @Test
  void aPublishedNetworkIsOwnedAndKeepsTheIdItsManagerChose() {
    PortGroup seg = published.portGroups().get("pg-1");
    assertThat(seg.getOwner()).isEqualTo("nsx");
    assertThat(seg.getLogicalNetworkId()).isEqualTo(SEGMENT_ID);
    assertThat(published.ports().get("p3").getPortGroupId()).isEqualTo("pg-1");

    DvsConfig changed =
        plan(
            published,
            NSX,
            updatePortGroup("seg", portGroup("seg2", vlan(300, true)).toBuilder().build()));
    PortGroup after = changed.portGroups().get("pg-1");
    assertThat(after.getName()).isEqualTo("seg2");
    assertThat(after.getOwner()).isEqualTo("nsx");
    assertThat(after.getLogicalNetworkId()).isEqualTo(SEGMENT_ID);
  }

  @Test
  void aPublishNeedsAUuidFreeInTheDvs() {
    assertThat(
            failure(ErrorCode.INVALID_ARGUMENT, () -> plan(published, NSX, publish("x", "seg-1")))
                .getMessage())
        .isEqualTo("network 'x': logical network id 'seg-1' is not a UUID (8-4-4-4-12 hex digits)");
    assertThat(
            failure(ErrorCode.ALREADY_EXISTS, () -> plan(published, OTHER, publish("x", SEGMENT)))
                .getMessage())
        .isEqualTo(
            "logical network id "
                + SEGMENT_ID
                + " is taken by port group 'seg' of DVS 'dvs1' (owned by network manager 'nsx')");
    String web = published.portGroups().get("pg-web").getLogicalNetworkId();
    failure(ErrorCode.ALREADY_EXISTS, () -> plan(published, NSX, publish("x", web)));
  }

  @Test
  void operatorsCannotMakeAnOwnedNetworkNorGiveOneAnOwner() {
    PortGroup owned = portGroup("fake", vlan(7, true)).toBuilder().setOwner("nsx").build();
    refusedOwned(
        "port group 'fake': only a network manager publishes an owned network, through"
            + " NetworkManagerService; leave owner empty",
        () ->
            plan(
                published,
                Author.OPERATOR,
                ChangeOp.newBuilder().setCreatePortGroup(owned).build()));
    refusedOwned(
        "port group 'web': its owner is set only by publishing it through NetworkManagerService;"
            + " leave owner empty",
        () ->
            plan(
                published,
                Author.OPERATOR,
                updatePortGroup(
                    "web",
                    published.portGroups().get("pg-web").toBuilder().setOwner("nsx").build())));
  }

  @Test
  void everyOperatorChangeOfAnOwnedNetworkIsRefusedNamingTheOwner() {
    String refusal =
        "port group 'seg' is owned by network manager 'nsx'; only it changes or withdraws it"
            + " (ports may be attached)";
    PortGroup seg = published.portGroups().get("pg-1");
    List<ChangeOp> each =
        List.of(
            updatePortGroup("seg", seg.toBuilder().setDescription("mine now").build()),
            ChangeOp.newBuilder()
                .setUpdatePortGroup(
                    PortGroupUpdate.newBuilder()
                        .setPortGroup("pg-1")
                        .setSettings(PortGroup.newBuilder().setNumPorts(64))
                        .setUpdateMask(FieldMaskUtil.fromString("num_ports")))
                .build(),
            deletePortGroup("seg"),
            ChangeOp.newBuilder()
                .setProperty(
                    PropertyChange.newBuilder()
                        .setEntity(
                            EntityRef.newBuilder()
                                .setKind(EntityKind.ENTITY_KIND_PORT_GROUP)
                                .setId("seg"))
                        .setNamespace("com.example")
                        .setKey("qos")
                        .setSetValue(ByteString.copyFromUtf8("gold")))
                .build());
    for (ChangeOp op : each) {
      refusedOwned(refusal, () -> plan(published, Author.OPERATOR, op));
      // In a change set of several ops the reason stays, after the op's place.
      SwitchplaneException inSet =
          failure(
              ErrorCode.PERMISSION_DENIED,
              () -> planner.plan(published, List.of(deletePort("p2"), op), Author.OPERATOR));
      assertThat(inSet.reason()).contains(ErrorReason.NETWORK_OWNED);
      assertThat(inSet.getMessage()).startsWith("operation 2 of 2 (").endsWith(refusal);
    }
  }

  @Test
  void operatorsAttachChangeAndDetachPortsOfAnOwnedNetwork() {
    DvsConfig c = plan(published, Author.OPERATOR, createPort("p4", "seg", "esx2"));
    c =
        plan(
            c,
            Author.OPERATOR,
            updatePort("p3", c.ports().get("p3").toBuilder().setDescription("vm-a").build()));
    c = plan(c, Author.OPERATOR, deletePort("p4"));

    assertThat(c.ports().get("p3").getDescription()).isEqualTo("vm-a");
    assertThat(c.ports()).doesNotContainKey("p4");
    assertThat(c.portGroups().get("pg-1")).isEqualTo(published.portGroups().get("pg-1"));
  }

  @Test
  void aNetworkManagerChangesOnlyItsOwnNetworks() {
    PortGroup seg = published.portGroups().get("pg-1");
    refusedOwned(
        "port group 'seg' is owned by network manager 'nsx'; only it changes or withdraws it"
            + " (ports may be attached)",
        () ->
            plan(published, OTHER, updatePortGroup("seg", seg.toBuilder().setNumPorts(9).build())));
    refusedOwned(
        "port group 'seg' is owned by network manager 'nsx'; only it changes or withdraws it"
            + " (ports may be attached)",
        () -> plan(published, OTHER, deletePortGroup("seg")));
    refusedOwned(
        "port group 'web' is operators', not a network of network manager 'nsx'; a network"
            + " manager changes only the networks it published",
        () -> plan(published, NSX, deletePortGroup("web")));
  }

  @Test
  void itsOwnerWithdrawsANetworkOnlyOnceNoPortIsAttached() {
    assertThat(
            failure(
                    ErrorCode.FAILED_PRECONDITION,
                    () -> plan(published, NSX, deletePortGroup("seg")))
                .getMessage())
        .isEqualTo("port group 'seg' is used by 1 port(s) (p3); delete or move them first");

    DvsConfig withdrawn =
        plan(plan(published, Author.OPERATOR, deletePort("p3")), NSX, deletePortGroup("seg"));
    assertThat(withdrawn.portGroups()).doesNotContainKey("pg-1");
  }

  @Test
  void aRestoreMayNotChangeRemoveOrBringBackAnOwnedNetwork() {
    OwnedNetworks.requireKept(published, published);

    PortGroup seg = published.portGroups().get("pg-1");
    Map<String, PortGroup> changed = new HashMap<>(published.portGroups());
    changed.put("pg-1", seg.toBuilder().setNumPorts(99).build());
    refusedOwned(
        "port group 'seg' is owned by network manager 'nsx': the restore would change it; only"
            + " its owner changes it",
        () -> OwnedNetworks.requireKept(published, with(changed)));

    Map<String, PortGroup> removed = new HashMap<>(published.portGroups());
    removed.remove("pg-1");
    refusedOwned(
        "port group 'seg' is owned by network manager 'nsx': the restore would remove it; only"
            + " its owner changes it",
        () -> OwnedNetworks.requireKept(published, with(removed)));

    DvsConfig withoutSeg = with(removed);
    refusedOwned(
        "port group 'seg' of network manager 'nsx' is not published now: the restore would bring"
            + " it back; only its owner publishes it",
        () -> OwnedNetworks.requireKept(withoutSeg, published));
  }

  @Test
  void aDvsWithOwnedNetworksIsNotDeleted() {
    OwnedNetworks.requireNoneIn(ManagerFixtures.sample());
    refusedOwned(
        "DVS 'dvs1' has networks owned by network manager 'nsx' (seg); their owners withdraw them"
            + " first",
        () -> OwnedNetworks.requireNoneIn(published));
  }

  private DvsConfig plan(DvsConfig before, Author author, ChangeOp op) {
    return planner.plan(before, List.of(op), author).after();
  }

  private DvsConfig with(Map<String, PortGroup> groups) {
    Map<String, Port> ports = new HashMap<>();
    published
        .ports()
        .forEach(
            (k, p) -> {
              if (groups.containsKey(p.getPortGroupId())) {
                ports.put(k, p);
              }
            });
    return DvsConfig.of(published.dvs(), groups, ports);
  }

  private static ChangeOp publish(String name, String logicalId) {
    return ChangeOp.newBuilder()
        .setCreatePortGroup(
            portGroup(name, vlan(300, true)).toBuilder().setLogicalNetworkId(logicalId))
        .build();
  }

  private static void refusedOwned(String message, ThrowingCallable call) {
    SwitchplaneException e = failure(ErrorCode.PERMISSION_DENIED, call);
    assertThat(e.reason()).contains(ErrorReason.NETWORK_OWNED);
    assertThat(e.getMessage()).isEqualTo(message);
  }
}
