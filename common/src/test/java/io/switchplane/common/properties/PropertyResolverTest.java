package io.switchplane.common.properties;

import static io.switchplane.common.Fixtures.dvs;
import static io.switchplane.common.Fixtures.port;
import static io.switchplane.common.Fixtures.portGroup;
import static io.switchplane.common.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.api.v1.PropertyUnset;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.HostStateValidator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** Inheritance DVS → port group → port, nearest level wins, an unset marker stops the walk. */
class PropertyResolverTest {
  private static final String NS = "com.example.qos";
  private static final PropertyKey RATE = new PropertyKey(NS, "rate");

  static PropertyEntry value(String key, String v) {
    return PropertyEntry.newBuilder()
        .setNamespace(NS)
        .setKey(key)
        .setValue(ByteString.copyFromUtf8(v))
        .build();
  }

  static PropertyEntry unset(String key) {
    return PropertyEntry.newBuilder()
        .setNamespace(NS)
        .setKey(key)
        .setUnset(PropertyUnset.getDefaultInstance())
        .build();
  }

  private static Dvs dvsWith(PropertyEntry... e) {
    return dvs(1).toBuilder().addAllProperties(List.of(e)).build();
  }

  private static PortGroup pgWith(PropertyEntry... e) {
    return portGroup("a", 10).toBuilder().addAllProperties(List.of(e)).build();
  }

  private static Port portWith(PropertyEntry... e) {
    return port("p1", "a").toBuilder().addAllProperties(List.of(e)).build();
  }

  private static String rate(SortedMap<PropertyKey, PropertyResolver.Resolved> r) {
    PropertyResolver.Resolved v = r.get(RATE);
    return v == null ? null : v.value().toStringUtf8() + "@" + v.level();
  }

  @Test
  void portInheritsFromTheDvsWhenNoLowerLevelSetsTheKey() {
    assertThat(rate(PropertyResolver.forPort(dvsWith(value("rate", "1")), pgWith(), portWith())))
        .isEqualTo("1@ENTITY_KIND_DVS");
  }

  @Test
  void portGroupOverridesTheDvsAndThePortOverridesBoth() {
    assertThat(
            rate(
                PropertyResolver.forPort(
                    dvsWith(value("rate", "1")), pgWith(value("rate", "2")), portWith())))
        .isEqualTo("2@ENTITY_KIND_PORT_GROUP");
    assertThat(
            rate(
                PropertyResolver.forPort(
                    dvsWith(value("rate", "1")),
                    pgWith(value("rate", "2")),
                    portWith(value("rate", "3")))))
        .isEqualTo("3@ENTITY_KIND_PORT");
  }

  @Test
  void unsetAtThePortGroupStopsInheritanceFromTheDvsButThePortMaySetItAgain() {
    assertThat(
            rate(
                PropertyResolver.forPort(
                    dvsWith(value("rate", "1")), pgWith(unset("rate")), portWith())))
        .isNull();
    assertThat(
            rate(PropertyResolver.forPortGroup(dvsWith(value("rate", "1")), pgWith(unset("rate")))))
        .isNull();
    assertThat(
            rate(
                PropertyResolver.forPort(
                    dvsWith(value("rate", "1")),
                    pgWith(unset("rate")),
                    portWith(value("rate", "5")))))
        .isEqualTo("5@ENTITY_KIND_PORT");
  }

  @Test
  void unsetAtThePortStopsInheritanceFromPortGroupAndDvs() {
    assertThat(
            rate(
                PropertyResolver.forPort(
                    dvsWith(value("rate", "1")),
                    pgWith(value("rate", "2")),
                    portWith(unset("rate")))))
        .isNull();
  }

  @Test
  void unsetAtTheDvsMeansNoValueAnywhereUnlessALowerLevelSetsOne() {
    assertThat(rate(PropertyResolver.forPort(dvsWith(unset("rate")), pgWith(), portWith())))
        .isNull();
    assertThat(
            rate(
                PropertyResolver.forPort(
                    dvsWith(unset("rate")), pgWith(value("rate", "2")), portWith())))
        .isEqualTo("2@ENTITY_KIND_PORT_GROUP");
  }

  @Test
  void keysResolveIndependently() {
    SortedMap<PropertyKey, PropertyResolver.Resolved> r =
        PropertyResolver.forPort(
            dvsWith(value("burst", "9"), value("rate", "1")), pgWith(unset("burst")), portWith());
    assertThat(r).containsOnlyKeys(RATE);
  }

  @Test
  void effectiveAllGivesEveryEntityAndTheDiffSeesADvsChangeOnEveryPort() {
    HostSwitchState before =
        state(1)
            .addPortGroups(pgWith())
            .addPorts(port("p1", "a"))
            .addPorts(port("p2", "a").toBuilder().addProperties(value("rate", "7")))
            .build();
    HostSwitchState after = before.toBuilder().setDvs(dvsWith(value("rate", "1"))).build();
    var b = PropertyResolver.effectiveAll(before);
    var a = PropertyResolver.effectiveAll(after);
    assertThat(b).containsOnlyKeys(Entity.port("p2"));
    List<PropertyDiff.Change> changes = PropertyDiff.diff(b, a);
    // p2 keeps its own 7; the DVS itself, port group a and p1 get 1.
    assertThat(changes)
        .extracting(c -> c.entity().toString() + "=" + c.after().toStringUtf8() + ":" + c.kind())
        .containsExactly("DVS dvs-1=1:ADDED", "port group a=1:ADDED", "port p1=1:ADDED");
    assertThat(PropertyDiff.diff(a, b))
        .extracting(PropertyDiff.Change::kind)
        .containsOnly(PropertyDiff.Kind.REMOVED);
    assertThat(PropertyDiff.inverse(changes))
        .extracting(PropertyDiff.Change::kind)
        .containsOnly(PropertyDiff.Kind.REMOVED);
  }

  @Test
  void hostLevelValuesInheritNothing() {
    HostSwitchState s =
        state(1)
            .setDvs(
                dvsWith(value("rate", "1")).toBuilder()
                    .setMembers(
                        0, dvs(1).getMembers(0).toBuilder().addProperties(value("mode", "fast"))))
            .build();
    Map<Entity, SortedMap<PropertyKey, ByteString>> all = PropertyResolver.effectiveAll(s);
    assertThat(all.get(Entity.host("host-1"))).containsOnlyKeys(new PropertyKey(NS, "mode"));
    assertThat(PropertyResolver.namespaces(s)).containsExactly(NS);
  }

  @Test
  void agentRefusesUnsortedOrOversizeEntries() {
    HostSwitchState unsorted = state(1).setDvs(dvsWith(value("b", "1"), value("a", "1"))).build();
    assertThatThrownBy(() -> HostStateValidator.validate(unsorted))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("not sorted");
    PropertyEntry big = value("a", "x".repeat(PropertyRules.MAX_VALUE_BYTES + 1));
    SwitchplaneException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            () -> HostStateValidator.validate(state(1).setDvs(dvsWith(big)).build()),
            SwitchplaneException.class);
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("65,537 bytes", "65,536");
  }

  @Test
  void namespaceNamesMustBeReverseDns() {
    PropertyRules.validateNamespaceName("com.example.qos");
    for (String bad :
        List.of("qos", "Com.example", "com..example", "com.example.", "1com.example", "")) {
      assertThatThrownBy(() -> PropertyRules.validateNamespaceName(bad))
          .isInstanceOf(SwitchplaneException.class);
    }
    assertThat(PropertyRules.reserved("io.switchplane.qos")).isTrue();
    assertThat(EntityKind.ENTITY_KIND_PORT).isNotNull();
  }
}
