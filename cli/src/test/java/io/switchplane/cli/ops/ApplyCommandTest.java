package io.switchplane.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.SwitchplaneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `apply` reads from its file and which operations it sends. */
class ApplyCommandTest {
  @TempDir Path dir;

  private Path file(String yaml) throws IOException {
    Path f = dir.resolve("dvs.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void theFileIsReadIntoPortGroupsAndPorts() throws IOException {
    ApplyCommand.Desired d =
        ApplyCommand.read(
            file(
                """
                dvs: dvs1
                portGroups:
                  - {name: web, numPorts: 16, policy: {vlan: {value: {accessId: 100}}}}
                ports:
                  - {key: p1, portGroupId: web, hostId: host-1}
                """));

    assertThat(d.dvs()).isEqualTo("dvs1");
    assertThat(d.portGroups().get(0).getPolicy().getVlan().getValue().getAccessId()).isEqualTo(100);
    assertThat(d.ports().get(0).getHostId()).isEqualTo("host-1");
  }

  @Test
  void badFilesAreRefusedSayingWhatIsWrong() throws IOException {
    assertThatThrownBy(() -> ApplyCommand.read(file("portGroups: []")))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("'dvs'");
    assertThatThrownBy(() -> ApplyCommand.read(file("dvs: d\nportGroups:\n  - {nmae: web}")))
        .hasMessageContaining("portGroups entry 1");
    assertThatThrownBy(() -> ApplyCommand.read(file("dvs: d\nswitches: []")))
        .hasMessageContaining("unknown top-level key(s) [switches]");
  }

  @Test
  void existingEntriesAreReplacedNewOnesCreatedAndOnlyPruneDeletes() {
    ApplyCommand.Desired d =
        new ApplyCommand.Desired(
            "dvs1",
            List.of(
                PortGroup.newBuilder().setName("web").build(),
                PortGroup.newBuilder().setName("app").build()),
            List.of(Port.newBuilder().setKey("p1").setPortGroupId("web").build()));
    List<PortGroup> groups =
        List.of(
            PortGroup.newBuilder().setId("pg-web").setName("web").build(),
            PortGroup.newBuilder().setId("pg-old").setName("old").build());
    List<Port> ports =
        List.of(Port.newBuilder().setKey("p1").build(), Port.newBuilder().setKey("p9").build());

    assertThat(ApplyCommand.ops(d, groups, ports, false))
        .extracting(ChangeOp::getOpCase)
        .containsExactly(
            ChangeOp.OpCase.UPDATE_PORT_GROUP,
            ChangeOp.OpCase.CREATE_PORT_GROUP,
            ChangeOp.OpCase.UPDATE_PORT);
    List<ChangeOp> pruned = ApplyCommand.ops(d, groups, ports, true);
    assertThat(pruned.subList(3, 5))
        .containsExactly(
            ChangeOp.newBuilder().setDeletePort("p9").build(),
            ChangeOp.newBuilder().setDeletePortGroup("pg-old").build());
  }
}
