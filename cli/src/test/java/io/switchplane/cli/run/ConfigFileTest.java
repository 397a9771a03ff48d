package io.switchplane.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * --config FILE of manager and agent: values from the file, flags winning, unknown keys refused.
 */
class ConfigFileTest {
  @TempDir Path dir;

  private CommandLine agent() {
    return new CommandLine(new AgentCommand());
  }

  @Test
  void theFileSetsWhatTheCommandLineDoesNotAndTheCommandLineWins() throws IOException {
    Path file = dir.resolve("agent.conf");
    Files.writeString(
        file,
        "# comment\nname=from-file\nlisten=127.0.0.1:7999\nbackend=file\ninsecure-plaintext=true\n");
    CommandLine cmd = agent();
    cmd.parseArgs("--config", file.toString(), "--backend", "memory");
    AgentCommand a = cmd.getCommand();
    assertThat(a.name).isEqualTo("from-file");
    assertThat(a.listen).isEqualTo("127.0.0.1:7999");
    assertThat(a.insecurePlaintext).isTrue();
    assertThat(a.backend).as("the flag wins").isEqualTo("memory");
    assertThat(a.dataDir).as("neither: the built-in default").isEqualTo(Path.of("agent-data"));
  }

  @Test
  void withoutConfigTheBuiltInDefaultsHold() {
    CommandLine cmd = agent();
    cmd.parseArgs();
    AgentCommand a = cmd.getCommand();
    assertThat(a.listen).isEqualTo("127.0.0.1:7401");
  }

  @Test
  void anUnknownKeyOrAMissingFileIsAUsageErrorNamingIt() throws IOException {
    Path file = dir.resolve("manager.conf");
    Files.writeString(file, "listen=127.0.0.1:0\ndatadir=/var/lib/x\n");
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    assertThat(cmd.execute("manager", "--config", file.toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("--config " + file + ": unknown key 'datadir'", "takes agent-port,", "data-dir")
        .doesNotContain("Exception");

    StringWriter err2 = new StringWriter();
    cmd.setErr(new PrintWriter(err2, true));
    assertThat(cmd.execute("manager", "--config", dir.resolve("none.conf").toString()))
        .isEqualTo(2);
    assertThat(err2.toString()).contains("none.conf: no such file");
  }
}
