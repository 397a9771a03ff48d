package io.switchplane.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
  @Test
  void medianOfAnOddCountIsTheMiddleValue() {
    assertThat(BenchCommand.median(new long[] {9, 1, 5})).isEqualTo(5);
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
    assertThat(BenchCommand.median(new long[] {40, 10, 30, 20})).isEqualTo(25);
    assertThat(BenchCommand.median(new long[] {7, 3})).isEqualTo(5);
  }

  @Test
  void tlsAndPlaintextPassesRunSideBySideAndEnrollmentIsTimed() {
    String printed =
        run(
            "--transport",
            "both",
            "--hosts",
            "3",
            "--ports-per-host",
            "2",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--skip-sequential");
    assertThat(printed)
        .contains(
            "plaintext: setup done",
            "tls: setup done",
            "enrollment of one agent (key pair, CSR, TLS call to the agent port, certificate; 3 agents): median ",
            "PLAINTEXT",
            "MUTUAL TLS",
            "TLS / PLAINTEXT",
            "one port-group change");
  }

  @Test
  void withAgentsInAnotherProcessTheManagersCpuPerHostPushIsPrinted() {
    String printed =
        run(
            "--agents-process",
            "--hosts",
            "3",
            "--ports-per-host",
            "2",
            "--runs",
            "2",
            "--warmup",
            "0",
            "--skip-sequential");
    assertThat(printed)
        .contains("agents in another process", "one port-group change: p50 ")
        .containsPattern(
            "plaintext: CPU per host push, port-group change \\(2 runs x 3 hosts\\): manager"
                + " process [0-9]+ us, agents process [0-9]+ us");
  }

  @Test
  void agentsInAnotherProcessServePlaintextOnly() {
    assertThat(
            new CommandLine(new BenchCommand()).execute("--agents-process", "--transport", "tls"))
        .isNotZero();
  }

  @Test
  void medianOfNothingIsRefused() {
    assertThatThrownBy(() -> BenchCommand.median(new long[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Runs the bench with args; what it printed (it must exit 0). */
  private static String run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = new CommandLine(new BenchCommand()).execute(args);
    } finally {
      System.setOut(original);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(printed).isZero();
    return printed;
  }
}
