package io.switchplane.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OvnComparisonTest {
  private static final String CSV_HEADER = "scenario,rep,wall_ms,controllers_ms,installed_ms";

  @Test
  void theCsvGivesWallClockMicrosPerScenario() {
    Map<String, List<Long>> parsed =
        OvnPeer.parseCsv(
            List.of(
                CSV_HEADER,
                "noop,1,14.2,5,",
                "bind,1,86.2,40,32.3",
                "change-all,1,23.6,12,",
                "change-all,2,21.5,11,",
                ""));
    assertThat(parsed).containsOnlyKeys("noop", "bind", "change-all");
    assertThat(parsed.get("change-all")).containsExactly(23_600L, 21_500L);
    assertThat(parsed.get("bind")).containsExactly(86_200L);
  }

  @Test
  void aCsvOfAnotherShapeIsRefused() {
    assertThatThrownBy(() -> OvnPeer.parseCsv(List.of("a,b,c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an OVN peer CSV");
    assertThatThrownBy(() -> OvnPeer.parseCsv(List.of(CSV_HEADER, "bind,1,fast,,")))
        .hasMessageContaining("bad wall_ms");
  }

  @Test
  void theTablePairsEachScenarioWithItsSwitchplaneFigure() {
    long[] ours = {10_000, 20_000, 30_000};
    BenchCommand.OvsFigures sp =
        new BenchCommand.OvsFigures(
            new long[] {40_000, 50_000, 60_000},
            ours,
            ours,
            new long[] {5_000, 10_000, 15_000},
            ours,
            ours);
    SideBySide table =
        new OvnComparison(new OvnPeer(Path.of("."), Path.of(".")), 10, 3, 3)
            .table(
                Map.of(
                    "change-all", List.of(20_000L, 30_000L, 25_000L),
                    "change-one", List.of(10_000L, 10_000L, 10_000L),
                    "bind", List.of()),
                sp);
    String printed = print(table);
    assertThat(printed)
        .containsPattern(
            "change on every host: commit -> all applied +25\\.0 ms +10\\.0 ms +0\\.40x +30\\.0 ms"
                + " +15\\.0 ms")
        .containsPattern(
            "change on every host: commit -> all confirmed +25\\.0 ms +50\\.0 ms +2\\.00x")
        .containsPattern("change of one port: -> applied +10\\.0 ms +20\\.0 ms +2\\.00x")
        // OVN measured no bind here: its side and the ratio are left empty, not made up
        .containsPattern(
            "bind one new port per host: -> all applied +- +20\\.0 ms +- +- +30\\.0 ms");
  }

  /**
   * The peer's scripts replaced by stubs in a temporary directory (real processes): the blocks
   * alternate, each OVN block starts from a reset database, and the peer is torn down at the end.
   */
  @Test
  void blocksAlternateBetweenThePeerAndSwitchplaneAndThePeerIsTornDown(@TempDir Path dir)
      throws IOException {
    Path scripts = Files.createDirectories(dir.resolve("peer"));
    Path calls = dir.resolve("calls");
    script(scripts, "env.sh", "ovn-nbctl() { echo \"reset\" >> " + calls + "; }");
    script(scripts, "setup.sh", "echo \"setup $1\" >> " + calls);
    script(
        scripts,
        "bench.sh",
        """
        echo "bench $1 $2" >> %s
        mkdir -p "$OUTDIR"
        { echo %s; for r in $(seq $2); do echo change-all,$r,2$r.0,,; done; } > "$OUTDIR/ovn-N$1.csv"
        """
            .formatted(calls, CSV_HEADER));
    script(scripts, "teardown.sh", "echo teardown >> " + calls);
    List<String> order = new ArrayList<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new OvnComparison(new OvnPeer(scripts, dir.resolve("work")), 4, 5, 2)
        .run(
            (block, runs) -> {
              order.add("switchplane block " + block + " runs " + runs);
              long[] us = new long[runs];
              Arrays.fill(us, 7_000);
              return new BenchCommand.OvsFigures(us, us, us, us, us, us);
            },
            new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(Files.readAllLines(calls))
        .containsExactly(
            "setup 4",
            "reset",
            "reset",
            "reset",
            "bench 4 2",
            "reset",
            "reset",
            "reset",
            "bench 4 2",
            "reset",
            "reset",
            "reset",
            "bench 4 1",
            "teardown");
    assertThat(order)
        .containsExactly(
            "switchplane block 0 runs 2",
            "switchplane block 1 runs 2",
            "switchplane block 2 runs 1");
    // OVN samples 21, 22 | 21, 22 | 21 ms: median 21 ms; ours all 7 ms
    assertThat(out.toString(StandardCharsets.UTF_8))
        .containsPattern(
            "commit -> all applied +21\\.0 ms +7\\.0 ms +0\\.33x +22\\.0 ms +7\\.0 ms");
  }

  private static void script(Path dir, String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/bash\nset -e\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String print(SideBySide table) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    table.print(new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }
}
