package io.switchplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Connection options before the verb, and usage errors in a few lines. */
class MainTest {
  @Test
  void connectionOptionsBeforeTheVerbAreMovedAfterIt() {
    assertThat(
            Main.globalOptionsLast(
                new String[] {
                  "--manager", "m:1", "-o", "json", "--insecure-plaintext", "dvs", "list"
                }))
        .containsExactly("dvs", "list", "--manager", "m:1", "-o", "json", "--insecure-plaintext");
    assertThat(Main.globalOptionsLast(new String[] {"--manager=m:1", "log", "show", "d1", "3"}))
        .containsExactly("log", "show", "d1", "3", "--manager=m:1");
    assertThat(Main.globalOptionsLast(new String[] {"dvs", "list", "--manager", "m:1"}))
        .containsExactly("dvs", "list", "--manager", "m:1");
    assertThat(Main.globalOptionsLast(new String[] {"--manager", "m:1"}))
        .as("no verb: as given")
        .containsExactly("--manager", "m:1");
    assertThat(Main.globalOptionsLast(new String[] {"--version"})).containsExactly("--version");
  }

  @Test
  void aUsageErrorSaysWhatIsWrongAndWhereTheHelpIsWithoutPrintingIt() {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    int exit = cmd.execute("dvs", "lst");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "error: Unmatched argument at index 1: 'lst'",
            "Did you mean: dvs list",
            "see: switchplane dvs --help")
        .doesNotContain("Usage:");
    assertThat(err.toString().lines().count()).isLessThanOrEqualTo(4);
  }
}
