package io.switchplane.common.validation;

import static io.switchplane.common.Fixtures.dvs;
import static io.switchplane.common.Fixtures.port;
import static io.switchplane.common.Fixtures.portGroup;
import static io.switchplane.common.Fixtures.state;
import static io.switchplane.common.Fixtures.vlanPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.MtuSetting;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.Teaming;
import io.switchplane.api.v1.TeamingSetting;
import io.switchplane.api.v1.UplinkNic;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanRange;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.VlanTrunk;
import io.switchplane.api.v1.VmNic;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ModelValidatorTest {

  @Test
  void acceptsAValidModel() {
    assertThatCode(
            () ->
                HostStateValidator.validate(
                    state(1).addPortGroups(portGroup("a", 10)).addPorts(port("p1", "a")).build()))
        .doesNotThrowAnyException();
  }

  @Test
  void handWrittenNameChecksAgreeWithThePatterns() {
    String[] samples = {
      "",
      "a",
      "A9",
      "9",
      "-a",
      ".a",
      "_a",
      ":a",
      "a-b.c_d:e",
      "a b",
      "a/b",
      "é",
      "aé",
      "a".repeat(63),
      "a".repeat(64),
      "a".repeat(65),
      "a".repeat(79),
      "a".repeat(80),
      "a".repeat(81),
      "a\n"
    };
    for (String s : samples) {
      assertThat(ModelValidator.isName(s))
          .as("name '%s'", s)
          .isEqualTo(ModelValidator.NAME.matcher(s).matches());
      assertThat(ModelValidator.isPortKey(s))
          .as("key '%s'", s)
          .isEqualTo(ModelValidator.PORT_KEY.matcher(s).matches());
    }
  }

  @Test
  void vlanOutsideRange() {
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "VLAN 4095 is outside 1-4094",
        () -> ModelValidator.validatePortGroup(dvs(1), portGroup("a", 4095)));
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "VLAN 0 is outside 1-4094",
        () -> ModelValidator.validatePortGroup(dvs(1), portGroup("a", 0)));
  }

  @Test
  void overlappingOrReversedTrunkRanges() {
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "trunk ranges 10-20 and 15-30 overlap",
        () -> ModelValidator.validatePortGroup(dvs(1), withVlan(trunk(15, 30, 10, 20))));
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "trunk range 20-10 is reversed",
        () -> ModelValidator.validatePortGroup(dvs(1), withVlan(trunk(20, 10))));
    assertThatCode(() -> ModelValidator.validatePortGroup(dvs(1), withVlan(trunk(10, 20, 21, 30))))
        .doesNotThrowAnyException();
  }

  @Test
  void mtuOutsideRange() {
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "MTU 9001 is outside 1280-9000",
        () -> ModelValidator.validateDvsSettings(dvs(1).toBuilder().setMtu(9001).build()));
    PortGroup small =
        portGroup("a", 10).toBuilder()
            .setPolicy(Policy.newBuilder().setMtu(MtuSetting.newBuilder().setValue(1000)))
            .build();
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "MTU 1000",
        () -> ModelValidator.validatePortGroup(dvs(1), small));
  }

  @Test
  void teamingMustUseDvsUplinksOnce() {
    PortGroup pg =
        portGroup("a", 10).toBuilder()
            .setPolicy(
                Policy.newBuilder()
                    .setTeaming(
                        TeamingSetting.newBuilder()
                            .setValue(Teaming.newBuilder().addActiveUplinks("uplink9"))))
            .build();
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "uplink 'uplink9', which the DVS does not have",
        () -> ModelValidator.validatePortGroup(dvs(1), pg));
  }

  @Test
  void badNamesAndDuplicateUplinks() {
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "name 'bad name' is not allowed",
        () -> ModelValidator.validateDvsSettings(dvs(1).toBuilder().setName("bad name").build()));
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "uplink 'uplink1' is listed twice",
        () -> ModelValidator.validateDvsSettings(dvs(1).toBuilder().addUplinks("uplink1").build()));
  }

  @Test
  void portOnHostThatIsNotAMember() {
    expect(
        ErrorCode.FAILED_PRECONDITION,
        "is not a member of DVS 'dvs1'",
        () ->
            ModelValidator.validatePort(
                dvs(1), portGroup("a", 10), port("p1", "a").toBuilder().setHostId("h9").build()));
  }

  @Test
  void overrideOfALockedField() {
    Dvs locked = dvs(1).toBuilder().setDefaultPolicy(vlanPolicy(5, false)).build();
    expect(
        ErrorCode.FAILED_PRECONDITION,
        "does not allow overriding it",
        () -> ModelValidator.validatePortGroup(locked, portGroup("a", 10)));
    PortGroup lockedPg = portGroup("a", 10).toBuilder().setPolicy(vlanPolicy(10, false)).build();
    expect(
        ErrorCode.FAILED_PRECONDITION,
        "port 'p1' sets vlan",
        () ->
            ModelValidator.validatePort(
                dvs(1),
                lockedPg,
                port("p1", "a").toBuilder().setPolicy(vlanPolicy(11, true)).build()));
  }

  @Test
  void malformedConnectee() {
    var bad =
        port("p1", "a").toBuilder()
            .setConnectee(
                Connectee.newBuilder()
                    .setVmNic(VmNic.newBuilder().setVmUuid("vm-1").setMac("00:50:56:ZZ:00:01")))
            .build();
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "MAC '00:50:56:ZZ:00:01'",
        () -> ModelValidator.validatePort(dvs(1), portGroup("a", 10), bad));
  }

  @Test
  void anUplinkNicPortNamesAnUplinkOfTheDvsAndSitsOnAHost() {
    var nic = port("u1", "a").toBuilder().setConnectee(uplinkNic("uplink1")).build();
    assertThatCode(() -> ModelValidator.validatePort(dvs(1), portGroup("a", 10), nic))
        .doesNotThrowAnyException();
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "uplink NIC of uplink 'uplink9', which is not an uplink of DVS 'dvs1' "
            + "(uplinks: uplink1, uplink2)",
        () ->
            ModelValidator.validatePort(
                dvs(1),
                portGroup("a", 10),
                nic.toBuilder().setConnectee(uplinkNic("uplink9")).build()));
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "an uplink NIC port is the NIC of one host",
        () ->
            ModelValidator.validatePort(
                dvs(1), portGroup("a", 10), nic.toBuilder().clearHostId().build()));
    expect(
        ErrorCode.FAILED_PRECONDITION,
        "is not a member of DVS 'dvs1'",
        () ->
            ModelValidator.validatePort(
                dvs(1), portGroup("a", 10), nic.toBuilder().setHostId("h9").build()));
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "ports u1 and u2 are both the NIC of uplink uplink1",
        () ->
            HostStateValidator.validate(
                state(1)
                    .addPortGroups(portGroup("a", 10))
                    .addPorts(nic)
                    .addPorts(nic.toBuilder().setKey("u2"))
                    .build()));
  }

  @Test
  void aNicBacksOneUplinkOfAMember() {
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "NIC 'eth0' is given for uplinks 'uplink1' and 'uplink2'",
        () ->
            ModelValidator.validateMember(
                dvs(1),
                HostMember.newBuilder()
                    .setHostId("h1")
                    .putUplinkNics("uplink1", "eth0")
                    .putUplinkNics("uplink2", "eth0")
                    .build(),
                "esx1"));
  }

  private static Connectee uplinkNic(String uplink) {
    return Connectee.newBuilder().setUplinkNic(UplinkNic.newBuilder().setUplink(uplink)).build();
  }

  @Test
  void hostStateMustBeSelfContained() {
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "which the host state does not carry",
        () -> HostStateValidator.validate(state(1).addPorts(port("p1", "missing")).build()));
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "generation 0",
        () -> HostStateValidator.validate(state(0).build()));
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "generation 9223372036854775808; generations run from 1 to",
        () -> HostStateValidator.validate(state(Long.MIN_VALUE).build()));
    expect(
        ErrorCode.INVALID_ARGUMENT,
        "lists port p1 twice",
        () ->
            HostStateValidator.validate(
                state(1)
                    .addPortGroups(portGroup("a", 10))
                    .addPorts(port("p1", "a"))
                    .addPorts(port("p1", "a"))
                    .build()));
  }

  private static PortGroup withVlan(Vlan vlan) {
    return portGroup("a", 1).toBuilder()
        .setPolicy(Policy.newBuilder().setVlan(VlanSetting.newBuilder().setValue(vlan)))
        .build();
  }

  private static Vlan trunk(int... bounds) {
    VlanTrunk.Builder t = VlanTrunk.newBuilder();
    for (int i = 0; i < bounds.length; i += 2) {
      t.addRanges(VlanRange.newBuilder().setFirst(bounds[i]).setLast(bounds[i + 1]));
    }
    return Vlan.newBuilder().setTrunk(t).build();
  }

  private static void expect(ErrorCode code, String message, ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((SwitchplaneException) e).code())
        .isEqualTo(code);
  }
}
