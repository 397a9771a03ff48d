package io.switchplane.manager.service;

import static io.switchplane.manager.ManagerFixtures.createPort;
import static io.switchplane.manager.ManagerFixtures.createPortGroup;
import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.updatePortGroup;
import static io.switchplane.manager.ManagerFixtures.vlan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.EntityRef;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyChange;
import io.switchplane.api.v1.PropertyDelete;
import io.switchplane.api.v1.PropertyNamespace;
import io.switchplane.api.v1.PropertyUnset;
import io.switchplane.api.v1.PropertyValue;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.properties.BuiltInNamespaces;
import io.switchplane.common.properties.PropertyRules;
import io.switchplane.common.properties.QosValues;
import io.switchplane.manager.ManagerFixtures;
import io.switchplane.manager.ManagerFixtures.RecordingListener;
import io.switchplane.manager.ZooKeeperStore;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.HostStore;
import io.switchplane.manager.store.NamespaceStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Namespaces and property writes against a real ZooKeeper: rules, limits, nothing stored on
 * refusal.
 */
class PropertyServiceStoreTest {
  private static final String NS = "com.example.qos";
  @RegisterExtension static final ZooKeeperStore zk = new ZooKeeperStore();

  private CuratorFramework client;
  private DvsStore store;
  private HostStore hosts;
  private NamespaceStore namespaces;
  private ConfigService config;
  private PropertyService properties;
  private String dvsId;

  @BeforeEach
  void setUp() throws InterruptedException {
    client = zk.client();
    store = zk.store();
    hosts = zk.hosts();
    namespaces = new NamespaceStore(client, Clock.systemUTC());
    namespaces.ensureLayout();
    config =
        new ConfigService(
            store,
            hosts,
            new RecordingListener(),
            ManagerFixtures.leaderView("m1", "m1"),
            ConfigService.Extensions.NONE.withNamespaces(namespaces));
    config.activate(all -> {});
    properties = new PropertyService(config, namespaces);
    config.registerHost("esx1", "127.0.0.1:1");
    config.registerHost("esx2", "127.0.0.1:2");
    dvsId = config.createDvs(Dvs.newBuilder().setName("sw").build()).id();
    commit(
        ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("esx1")).build(),
        ChangeOp.newBuilder().setAddMember(HostMember.newBuilder().setHostId("esx2")).build(),
        createPortGroup("web", vlan(10, true)),
        createPort("p1", "web", "esx1"),
        createPort("p2", "web", "esx1"),
        createPort("p3", "web", "esx2"));
  }

  private void commit(ChangeOp... ops) {
    config.commit("sw", List.of(ops), 0, "test");
  }

  private static EntityRef entity(EntityKind kind, String id) {
    return EntityRef.newBuilder().setKind(kind).setId(id).build();
  }

  private static PropertyChange set(EntityKind kind, String id, String key, ByteString value) {
    return PropertyChange.newBuilder()
        .setEntity(entity(kind, id))
        .setNamespace(NS)
        .setKey(key)
        .setSetValue(value)
        .build();
  }

  private static ChangeOp op(PropertyChange c) {
    return ChangeOp.newBuilder().setProperty(c).build();
  }

  /** The DVS as a fresh reader finds it in ZooKeeper. */
  private DvsConfig stored() {
    return new DvsStore(client).load(dvsId).orElseThrow();
  }

  private static void assertSame(DvsConfig a, DvsConfig b) {
    assertThat(a.dvs()).isEqualTo(b.dvs());
    assertThat(a.portGroups()).isEqualTo(b.portGroups());
    assertThat(a.ports()).isEqualTo(b.ports());
  }

  private String effective(String port) {
    List<PropertyValue> v =
        properties.read("sw", entity(EntityKind.ENTITY_KIND_PORT, port), NS, "rate-kbps", true);
    return v.isEmpty() ? null : v.get(0).getValue().toStringUtf8() + "@" + v.get(0).getFromLevel();
  }

  @Test
  void namespaceRegistrationChecksNameOwnerReservedPrefixAndDuplicates() {
    PropertyNamespace ns = properties.registerNamespace(NS, "qos-team", "rate limits");
    assertThat(ns.getRegisteredUnixMs()).isPositive();
    assertThat(
            failure(ErrorCode.INVALID_ARGUMENT, () -> properties.registerNamespace("qos", "me", ""))
                .getMessage())
        .contains("not a reverse-DNS name");
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () -> properties.registerNamespace("org.example.a", " ", ""))
                .getMessage())
        .contains("owner is required");
    assertThat(
            failure(
                    ErrorCode.PERMISSION_DENIED,
                    () -> properties.registerNamespace("io.switchplane.mine", "me", ""))
                .getMessage())
        .contains("reserved for Switchplane's own modules");
    failure(ErrorCode.ALREADY_EXISTS, () -> properties.registerNamespace(NS, "other", ""));
    // A second manager's store (fresh cache) sees both, the built-in one included.
    assertThat(new NamespaceStore(client, Clock.systemUTC()).list())
        .extracting(PropertyNamespace::getName)
        .containsExactly(NS, BuiltInNamespaces.IPAM, BuiltInNamespaces.QOS);
  }

  @Test
  void writesToAnUnregisteredNamespaceAreRefusedAndStoreNothing() {
    long before = stored().generation();
    assertThat(
            failure(
                    ErrorCode.FAILED_PRECONDITION,
                    () ->
                        properties.write(
                            "sw",
                            set(
                                EntityKind.ENTITY_KIND_DVS,
                                "",
                                "rate-kbps",
                                ByteString.copyFromUtf8("1")),
                            0))
                .getMessage())
        .contains(
            "namespace 'com.example.qos' is not registered", "switchplane namespace register");
    assertThat(stored().generation()).isEqualTo(before);
    assertThat(stored().dvs().getPropertiesList()).isEmpty();
  }

  @Test
  void inheritanceOverrideUnsetAndDeleteAreEachOneStoredGeneration() {
    properties.registerNamespace(NS, "qos-team", "");
    long g0 = stored().generation();
    properties.write(
        "sw", set(EntityKind.ENTITY_KIND_DVS, "", "rate-kbps", ByteString.copyFromUtf8("1000")), 0);
    properties.write(
        "sw",
        set(EntityKind.ENTITY_KIND_PORT_GROUP, "web", "rate-kbps", ByteString.copyFromUtf8("500")),
        0);
    properties.write(
        "sw",
        set(EntityKind.ENTITY_KIND_PORT, "p2", "rate-kbps", ByteString.copyFromUtf8("50")),
        0);
    assertThat(stored().generation()).isEqualTo(g0 + 3);
    // Setting the value it has already is no change: no generation.
    assertThat(
            properties
                .write(
                    "sw",
                    set(
                        EntityKind.ENTITY_KIND_PORT,
                        "p2",
                        "rate-kbps",
                        ByteString.copyFromUtf8("50")),
                    0)
                .unchanged())
        .isTrue();
    assertThat(stored().generation()).isEqualTo(g0 + 3);
    assertThat(effective("p1")).isEqualTo("500@ENTITY_KIND_PORT_GROUP");
    assertThat(effective("p2")).isEqualTo("50@ENTITY_KIND_PORT");

    properties.write(
        "sw",
        PropertyChange.newBuilder()
            .setEntity(entity(EntityKind.ENTITY_KIND_PORT, "p1"))
            .setNamespace(NS)
            .setKey("rate-kbps")
            .setUnset(PropertyUnset.getDefaultInstance())
            .build(),
        0);
    assertThat(effective("p1")).isNull();
    PropertyChange deleteGroupValue =
        PropertyChange.newBuilder()
            .setEntity(entity(EntityKind.ENTITY_KIND_PORT_GROUP, "web"))
            .setNamespace(NS)
            .setKey("rate-kbps")
            .setDelete(PropertyDelete.getDefaultInstance())
            .build();
    properties.write("sw", deleteGroupValue, 0);
    assertThat(effective("p3")).isEqualTo("1000@ENTITY_KIND_DVS");
    assertThat(
            failure(ErrorCode.NOT_FOUND, () -> properties.write("sw", deleteGroupValue, 0))
                .getMessage())
        .contains("has no entry for property com.example.qos/rate-kbps");

    // What a fresh reader finds in ZooKeeper is what the leader serves; updating the port group
    // keeps its values.
    properties.write(
        "sw",
        set(EntityKind.ENTITY_KIND_PORT_GROUP, "web", "mode", ByteString.copyFromUtf8("x")),
        0);
    PortGroup web = config.config("sw").findPortGroup("web").orElseThrow();
    commit(
        updatePortGroup(
            "web", web.toBuilder().clearProperties().setDescription("renamed").build()));
    DvsConfig stored = stored();
    assertThat(stored.findPortGroup("web").orElseThrow().getPropertiesList())
        .extracting(e -> e.getKey())
        .containsExactly("mode");
    assertThat(stored.ports().get("p1").getProperties(0).hasUnset()).isTrue();
    assertThat(stored.dvs().getProperties(0).getValue().toStringUtf8()).isEqualTo("1000");
    assertSame(stored, config.config("sw"));
  }

  @Test
  void limitsAreRefusedWithTheirNumbersAndStoreNothing() {
    properties.registerNamespace(NS, "qos-team", "");
    DvsConfig before = stored();
    ByteString big = ByteString.copyFrom(new byte[PropertyRules.MAX_VALUE_BYTES + 1]);
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () ->
                        properties.write(
                            "sw", set(EntityKind.ENTITY_KIND_PORT, "p1", "blob", big), 0))
                .getMessage())
        .contains("65,537 bytes", "65,536");

    List<ChangeOp> many = new ArrayList<>();
    for (int i = 0; i <= PropertyRules.MAX_KEYS_PER_ENTITY; i++) {
      many.add(
          op(set(EntityKind.ENTITY_KIND_PORT_GROUP, "web", "k" + i, ByteString.copyFromUtf8("v"))));
    }
    assertThat(
            failure(ErrorCode.RESOURCE_EXHAUSTED, () -> config.commit("sw", many, 0, ""))
                .getMessage())
        .contains("257 property keys", "limit is 256");

    ByteString value = ByteString.copyFrom(new byte[60_000]);
    List<ChangeOp> tooMuchOnOneEntity = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tooMuchOnOneEntity.add(op(set(EntityKind.ENTITY_KIND_PORT, "p1", "k" + i, value)));
    }
    assertThat(
            failure(
                    ErrorCode.RESOURCE_EXHAUSTED,
                    () -> config.commit("sw", tooMuchOnOneEntity, 0, ""))
                .getMessage())
        .contains("port 'p1' would have 300,", "limit is 262,144 per entity");

    // Our own namespace's values are checked; other namespaces' values are opaque.
    PropertyChange fast =
        set(EntityKind.ENTITY_KIND_PORT, "p1", QosValues.RATE, ByteString.copyFromUtf8("fast"))
            .toBuilder()
            .setNamespace(BuiltInNamespaces.QOS)
            .build();
    assertThat(
            failure(ErrorCode.INVALID_ARGUMENT, () -> properties.write("sw", fast, 0)).getMessage())
        .isEqualTo(
            "io.switchplane.qos/rate-kbps is 'fast', not a whole number from 0 to 100000000");
    assertThat(
            failure(
                    ErrorCode.INVALID_ARGUMENT,
                    () ->
                        properties.write(
                            "sw",
                            fast.toBuilder()
                                .setSetValue(ByteString.copyFromUtf8("100000001"))
                                .build(),
                            0))
                .getMessage())
        .contains("'100000001'");
    assertSame(stored(), before);
  }

  @Test
  void aHostStateAboveFourMebibytesOfPropertiesIsRefused() {
    properties.registerNamespace(NS, "qos-team", "");
    ByteString value = ByteString.copyFrom(new byte[61_000]);
    // 17 ports of 4 x 61 KB on esx1 = 4.15 MB, below the 4,194,304 bytes limit; one value more is
    // refused.
    List<String> keys = new ArrayList<>();
    for (int p = 0; p < 17; p++) {
      keys.add("big" + p);
      commit(createPort("big" + p, "web", "esx1"));
    }
    for (int p = 0; p < 17; p += 3) {
      List<ChangeOp> ops = new ArrayList<>();
      for (String key : keys.subList(p, Math.min(p + 3, keys.size()))) {
        for (int k = 0; k < 4; k++) {
          ops.add(op(set(EntityKind.ENTITY_KIND_PORT, key, "k" + k, value)));
        }
      }
      config.commit("sw", ops, 0, "");
    }
    DvsConfig before = stored();
    String message =
        failure(
                ErrorCode.RESOURCE_EXHAUSTED,
                () ->
                    properties.write(
                        "sw", set(EntityKind.ENTITY_KIND_DVS, "", "one-more", value), 0))
            .getMessage();
    assertThat(message).contains("host 'esx1'", "4,194,304 (4 MiB)");
    assertSame(stored(), before);
    // esx2 alone is far from the limit: the same value on its membership is fine.
    properties.write("sw", set(EntityKind.ENTITY_KIND_HOST, "esx2", "one-more", value), 0);
    assertThat(stored().member(config.host("esx2").getId()).orElseThrow().getPropertiesCount())
        .isEqualTo(1);
  }
}
