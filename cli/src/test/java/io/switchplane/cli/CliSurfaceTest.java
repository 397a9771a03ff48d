package io.switchplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.switchplane.cli.ops.Credentials;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit codes per status class, named contexts and shell completion: no manager needed. */
class CliSurfaceTest {
  @TempDir Path dir;
  private String home;

  /** What one CLI invocation printed and returned. */
  record Run(int exit, String out, String err) {}

  @BeforeEach
  void ownHome() {
    home = System.getProperty("user.home");
    System.setProperty("user.home", dir.toString()); // the credentials file goes there
  }

  @AfterEach
  void restoreHome() {
    System.setProperty("user.home", home);
  }

  private static Run run(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int exit = cmd.execute(args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(original);
    }
  }

  @Test
  void eachStatusClassHasItsOwnExitCode() {
    assertThat(ExitCode.of(Status.Code.OK)).isZero();
    assertThat(ExitCode.of(Status.Code.INVALID_ARGUMENT)).isEqualTo(2);
    assertThat(ExitCode.of(Status.Code.OUT_OF_RANGE)).isEqualTo(2);
    assertThat(ExitCode.of(Status.Code.NOT_FOUND)).isEqualTo(3);
    assertThat(ExitCode.of(Status.Code.ALREADY_EXISTS)).isEqualTo(4);
    assertThat(ExitCode.of(Status.Code.FAILED_PRECONDITION)).isEqualTo(5);
    assertThat(ExitCode.of(Status.Code.ABORTED)).isEqualTo(5);
    assertThat(ExitCode.of(Status.Code.UNAVAILABLE)).isEqualTo(6);
    assertThat(ExitCode.of(Status.Code.DEADLINE_EXCEEDED)).isEqualTo(6);
    assertThat(ExitCode.of(Status.Code.PERMISSION_DENIED)).isEqualTo(7);
    assertThat(ExitCode.of(Status.Code.UNAUTHENTICATED)).isEqualTo(7);
    assertThat(ExitCode.of(Status.Code.INTERNAL)).isEqualTo(1);
    assertThat(ExitCode.of(io.switchplane.common.error.ErrorCode.NOT_FOUND)).isEqualTo(3);
  }

  @Test
  void aFailureOfTheCliItselfExitsWithItsClass() {
    Run unknown = run("config", "use-context", "lab");
    assertThat(unknown.exit()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(unknown.err()).contains("NOT_FOUND", "no context 'lab'", "set-context lab");

    Run usage = run("dvs", "list", "-o", "xml");
    assertThat(usage.exit()).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void namedContextsSaveAManagerAndTheCurrentOneIsUsed() {
    assertThat(run("config", "set-context", "lab", "--manager", "127.0.0.1:1").exit()).isZero();
    assertThat(run("config", "set-context", "prod", "--manager", "127.0.0.1:2").exit()).isZero();
    assertThat(Credentials.currentContext()).isEmpty();

    Run use = run("config", "use-context", "prod");
    assertThat(use.exit()).isZero();
    assertThat(use.out()).contains("prod", "127.0.0.1:2");
    assertThat(run("config", "current-context").out().trim()).isEqualTo("prod");
    Run list = run("config", "get-contexts");
    assertThat(list.out().lines())
        .containsSubsequence(
            "CURRENT  NAME  MANAGER      CA KEPT  TOKEN KEPT",
            "         lab   127.0.0.1:1  no       no",
            "*        prod  127.0.0.1:2  no       no");

    // A verb talks to the current context's manager unless --manager or --context says otherwise:
    // here nothing listens (loopback), and the error names the endpoint it tried.
    assertThat(run("dvs", "list", "--insecure-plaintext", "--timeout", "1s").err())
        .contains("127.0.0.1:2");
    assertThat(run("dvs", "list", "--insecure-plaintext", "--context", "lab").err())
        .contains("127.0.0.1:1");
  }

  @Test
  void completionPrintsAScriptOfEveryVerbForBashAndZsh() {
    Run bash = run("completion", "bash");
    assertThat(bash.exit()).isZero();
    assertThat(bash.out())
        .contains("complete -F", "switchplane", "portgroup", "--may-exist", "get-contexts");
    assertThat(bash.out()).contains("bashcompinit"); // what zsh needs to use it
    assertThat(run("completion", "zsh").out()).isEqualTo(bash.out());
    assertThat(run("completion", "fish").exit()).isEqualTo(ExitCode.USAGE);
  }
}
