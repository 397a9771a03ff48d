package io.switchplane.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.ListDvsResponse;
import io.switchplane.api.v1.PortBinding;
import io.switchplane.api.v1.PortGroup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tables (wide, without headers), YAML, and the readable values of human output. */
class OutputTest {
  private static String printed(Table t, boolean wide, boolean headers) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    t.print(new PrintStream(buf, true, StandardCharsets.UTF_8), wide, headers);
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void wideOnlyColumnsAppearWithWideAndNoHeadersLeavesTheHeaderRowOut() {
    Table t = new Table("NAME", "ID", "MTU").wideOnly("ID").row("dvs1", "7f3a-uuid", 1500);
    assertThat(printed(t, false, true)).isEqualTo("NAME  MTU\ndvs1  1500\n");
    assertThat(printed(t, true, true)).isEqualTo("NAME  ID         MTU\ndvs1  7f3a-uuid  1500\n");
    assertThat(printed(t, false, false)).isEqualTo("dvs1  1500\n");
  }

  @Test
  void yamlIsTheJsonTreeInBlockStyleQuotingWhatWouldReadAsSomethingElse() {
    ListDvsResponse r =
        ListDvsResponse.newBuilder()
            .addSwitches(
                Dvs.newBuilder()
                    .setName("dvs1")
                    .setDescription("true")
                    .addUplinks("uplink1")
                    .addUplinks("uplink2")
                    .setMtu(9000)
                    .addMembers(
                        HostMember.newBuilder()
                            .setHostId("4211-aa")
                            .putUplinkNics("uplink1", "vmnic0")))
            .build();
    String yaml = Yaml.print(r);
    assertThat(yaml)
        .contains(
            "switches:\n  - id: \"\"\n    name: dvs1\n    generation: \"0\"\n",
            "    uplinks:\n      - uplink1\n      - uplink2\n    mtu: 9000\n",
            "    members:\n      - hostId: \"4211-aa\"\n        uplinkNics:\n"
                + "          uplink1: vmnic0\n        properties: []\n",
            "    description: \"true\"\n");
    assertThat(yaml).doesNotContain("{", "\"name\"");
    assertThat(Yaml.print(Dvs.getDefaultInstance())).startsWith("id: \"\"\n");
  }

  @Test
  void timesAreLocalAndReadableNotEpochMilliseconds() {
    long ms =
        LocalDateTime.of(2026, 12, 7, 1, 30, 5)
            .atZone(ZoneId.systemDefault())
            .toInstant()
            .toEpochMilli();
    assertThat(Describe.time(ms)).isEqualTo("2026-12-07 01:30:05");
    assertThat(Describe.time(0)).isEqualTo("-");
  }

  @Test
  void bindingIsStaticUnlessEphemeralAndCapacityIsItsOwnValue() {
    assertThat(Describe.binding(PortBinding.PORT_BINDING_UNSPECIFIED)).isEqualTo("static");
    assertThat(Describe.binding(PortBinding.PORT_BINDING_STATIC)).isEqualTo("static");
    assertThat(Describe.binding(PortBinding.PORT_BINDING_EPHEMERAL)).isEqualTo("ephemeral");
    assertThat(Describe.capacity(PortGroup.newBuilder().setNumPorts(8).setAutoExpand(true).build()))
        .isEqualTo("8+");
    assertThat(
            Describe.capacity(
                PortGroup.newBuilder().setBinding(PortBinding.PORT_BINDING_EPHEMERAL).build()))
        .isEqualTo("-");
    assertThat(Describe.pairs(Map.of("uplink2", "vmnic1", "uplink1", "vmnic0")))
        .isEqualTo("uplink1=vmnic0,uplink2=vmnic1");
  }
}
