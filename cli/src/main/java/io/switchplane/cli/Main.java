package io.switchplane.cli;

import io.switchplane.cli.bench.BenchCommand;
import io.switchplane.cli.demo.DemoCommand;
import io.switchplane.cli.ops.ChangeCommand;
import io.switchplane.cli.ops.DvsCommand;
import io.switchplane.cli.ops.EventsCommand;
import io.switchplane.cli.ops.LogCommand;
import io.switchplane.cli.ops.UserCommand;
import io.switchplane.cli.ops.HostCommand;
import io.switchplane.cli.ops.NamespaceCommand;
import io.switchplane.cli.ops.PkiCommand;
import io.switchplane.cli.ops.PropCommand;
import io.switchplane.cli.ops.PortCommand;
import io.switchplane.cli.ops.PortGroupCommand;
import io.switchplane.cli.ops.RecoverCommand;
import io.switchplane.cli.ops.SnapshotCommand;
import io.switchplane.cli.ops.StatusCommand;
import io.switchplane.cli.ops.VcenterCommand;
import io.switchplane.cli.ops.VmTrackerCommand;
import io.switchplane.cli.run.AgentCommand;
import io.switchplane.cli.run.ManagerRunCommand;
import io.switchplane.cli.run.UpCommand;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `switchplane` command line. */
@Command(name = "switchplane", mixinStandardHelpOptions = true, version = "switchplane 0.1.0",
    description = {"Switchplane: a control plane for distributed virtual switches.", "",
        "Start everything on this machine with 'switchplane up', or take the tour with 'switchplane demo'."},
    subcommands = {UpCommand.class, DemoCommand.class, ManagerRunCommand.class, AgentCommand.class,
        DvsCommand.class, PortGroupCommand.class, PortCommand.class, HostCommand.class, ChangeCommand.class,
        StatusCommand.class, EventsCommand.class, LogCommand.class, UserCommand.class, UserCommand.Login.class,
        UserCommand.WhoAmI.class, SnapshotCommand.class, RecoverCommand.class, NamespaceCommand.class,
        PropCommand.class, VcenterCommand.class, VmTrackerCommand.class, PkiCommand.class, BenchCommand.class})
public final class Main {
  private Main() {}

  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Main());
    cmd.setExecutionExceptionHandler(new ErrorReporter());
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    return cmd;
  }

  public static void main(String[] args) {
    bridgeJavaLogging();
    System.exit(commandLine().execute(args));
  }

  /**
   * gRPC logs through java.util.logging, which would print its own format (stack traces included)
   * to stderr: its records go to SLF4J like everything else.
   */
  static void bridgeJavaLogging() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
