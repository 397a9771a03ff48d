package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * `switchplane demo`, the first command of the README, runs to the end and shows the diff-only
 * update.
 */
class DemoIT {
  @Test
  void demoRunsAndShowsOnlyTheAffectedPortsTouched() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = Main.commandLine().execute("demo");
    } finally {
      System.setOut(original);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    System.out.println(text);
    assertThat(exit).isZero();
    assertThat(text).contains("+0 ~1 -0 (db-1)", "+0 ~1 -0 (db-2)", "+0 ~1 -0 (db-3)");
    assertThat(text).contains("rejected: INVALID_ARGUMENT", "VLAN 5000");
  }
}
