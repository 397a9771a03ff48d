package io.switchplane.cli;

import io.switchplane.cli.ops.DvsCommand;
import io.switchplane.cli.ops.HostCommand;
import io.switchplane.cli.ops.PortCommand;
import io.switchplane.cli.ops.PortGroupCommand;
import io.switchplane.cli.ops.StatusCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `switchplane` command line. */
@Command(name = "switchplane", mixinStandardHelpOptions = true, version = "switchplane 0.1.0",
    description = {"Switchplane: a control plane for distributed virtual switches.", "",
        "Start everything on this machine with 'switchplane up', or take the tour with 'switchplane demo'."},
    subcommands = {DvsCommand.class, PortGroupCommand.class, PortCommand.class, HostCommand.class, StatusCommand.class})
public final class Main {
  private Main() {}

  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Main());
    cmd.setExecutionExceptionHandler(new ErrorReporter());
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    return cmd;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
