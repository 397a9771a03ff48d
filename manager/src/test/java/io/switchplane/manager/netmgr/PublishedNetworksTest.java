package io.switchplane.manager.netmgr;

import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.FieldMaskUtil;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.OwnedNetwork;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.manager.ManagerFixtures;
import io.switchplane.manager.ManagerFixtures.RecordingListener;
import io.switchplane.manager.ZooKeeperStore;
import io.switchplane.manager.changeset.Author;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.CommitOptions;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.HostStore;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A network manager's writes against a real ZooKeeper: stored as change sets (what a reload reads
 * back), logical network ids unique across DVSes, refusals that store nothing.
 */
class PublishedNetworksTest {
  private static final Author NSX = Author.networkManager("nsx");
  private static final Author ACI = Author.networkManager("aci");
  @RegisterExtension static final ZooKeeperStore zk = new ZooKeeperStore();

  private CuratorFramework client;
  private DvsStore store;
  private HostStore hosts;
  private ConfigService config;
  private PublishedNetworks networks;
  private final String segment = UUID.randomUUID().toString();

  @BeforeEach
  void setUp() throws InterruptedException {
    client = zk.client();
    store = zk.store();
    hosts = zk.hosts();
    config =
        new ConfigService(
            store, hosts, new RecordingListener(), ManagerFixtures.leaderView("m1", "m1"));
    config.activate(all -> {});
    config.createDvs(Dvs.newBuilder().setName("sw").build());
    config.createDvs(Dvs.newBuilder().setName("sw2").build());
    networks = new PublishedNetworks(config);
  }

  @Test
  void aPublishedNetworkIsStoredOwnedAndItsOwnerChangesAndWithdrawsIt() {
    long generation = networks.publish(NSX, "sw", segment, settings("seg", 300), 0).generation();

    DvsConfig stored = store.load(config.config("sw").id()).orElseThrow();
    assertThat(stored.generation()).isEqualTo(generation);
    PortGroup seg = byName(stored, "seg");
    assertThat(seg.getOwner()).isEqualTo("nsx");
    assertThat(seg.getLogicalNetworkId()).isEqualTo(segment);
    assertThat(networks.list("")).extracting(OwnedNetwork::getDvsName).containsExactly("sw");
    assertThat(networks.list("aci")).isEmpty();

    networks.update(
        NSX,
        segment,
        PortGroup.newBuilder().setDescription("blue").build(),
        FieldMaskUtil.fromString("description"),
        0);
    assertThat(byName(store.load(seg.getDvsId()).orElseThrow(), "seg").getDescription())
        .isEqualTo("blue");

    networks.withdraw(NSX, segment, 0);
    assertThat(store.load(seg.getDvsId()).orElseThrow().portGroups()).isEmpty();
    assertThat(networks.list("")).isEmpty();
  }

  @Test
  void aLogicalNetworkIdIsUniqueAcrossTheClusterAndRefusalsStoreNothing() {
    networks.publish(NSX, "sw", segment, settings("seg", 300), 0);
    long sw2 = config.config("sw2").generation();

    assertThat(
            failure(
                    ErrorCode.ALREADY_EXISTS,
                    () -> networks.publish(ACI, "sw2", segment, settings("seg", 300), 0))
                .getMessage())
        .isEqualTo("logical network id " + segment + " is taken by port group 'seg' of DVS 'sw'");
    assertThat(
            failure(ErrorCode.PERMISSION_DENIED, () -> networks.withdraw(ACI, segment, 0)).reason())
        .contains(ErrorReason.NETWORK_OWNED);
    assertThat(
            failure(
                    ErrorCode.PERMISSION_DENIED,
                    () ->
                        config.commit(
                            "sw",
                            List.of(ChangeOp.newBuilder().setDeletePortGroup("seg").build()),
                            0,
                            "operator"))
                .getMessage())
        .contains("owned by network manager 'nsx'");
    assertThat(failure(ErrorCode.PERMISSION_DENIED, () -> config.deleteDvs("sw", 0)).reason())
        .contains(ErrorReason.NETWORK_OWNED);
    failure(ErrorCode.NOT_FOUND, () -> networks.withdraw(NSX, UUID.randomUUID().toString(), 0));
    // A restore of the switch as it was before the publish would remove the network.
    DvsConfig sw = config.config("sw");
    DvsConfig empty = DvsConfig.of(sw.dvs(), Map.of(), Map.of());
    assertThat(
            failure(
                    ErrorCode.PERMISSION_DENIED,
                    () ->
                        config.replace(
                            sw.id(), empty, sw.generation(), "restore", CommitOptions.DEFAULT))
                .getMessage())
        .isEqualTo(
            "port group 'seg' is owned by network manager 'nsx': the restore would remove it;"
                + " only its owner changes it");
    assertThat(config.config("sw").generation()).isEqualTo(sw.generation());

    assertThat(config.config("sw2").generation()).isEqualTo(sw2);
    assertThat(store.load(config.config("sw2").id()).orElseThrow().portGroups()).isEmpty();
    assertThat(byName(store.load(config.config("sw").id()).orElseThrow(), "seg").getOwner())
        .isEqualTo("nsx");
  }

  private static PortGroup settings(String name, int vlanId) {
    return PortGroup.newBuilder().setName(name).setPolicy(vlan(vlanId, true)).build();
  }

  private static PortGroup byName(DvsConfig c, String name) {
    return c.portGroups().values().stream()
        .filter(pg -> pg.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
