package io.switchplane.cli;

import io.switchplane.cli.demo.DemoCommand;
import io.switchplane.cli.ops.ApplyCommand;
import io.switchplane.cli.ops.ChangeCommand;
import io.switchplane.cli.ops.ConfigCommand;
import io.switchplane.cli.ops.DvsCommand;
import io.switchplane.cli.ops.EventsCommand;
import io.switchplane.cli.ops.HostCommand;
import io.switchplane.cli.ops.IpCommand;
import io.switchplane.cli.ops.LogCommand;
import io.switchplane.cli.ops.MigrateCommand;
import io.switchplane.cli.ops.NamespaceCommand;
import io.switchplane.cli.ops.NetworkManagerCommand;
import io.switchplane.cli.ops.NicCommand;
import io.switchplane.cli.ops.PkiCommand;
import io.switchplane.cli.ops.PortCommand;
import io.switchplane.cli.ops.PortGroupCommand;
import io.switchplane.cli.ops.PropCommand;
import io.switchplane.cli.ops.RecoverCommand;
import io.switchplane.cli.ops.SnapshotCommand;
import io.switchplane.cli.ops.StatusCommand;
import io.switchplane.cli.ops.SubnetCommand;
import io.switchplane.cli.ops.UserCommand;
import io.switchplane.cli.ops.VcenterCommand;
import io.switchplane.cli.ops.VmTrackerCommand;
import io.switchplane.cli.run.AgentCommand;
import io.switchplane.cli.run.ManagerRunCommand;
import io.switchplane.cli.run.UpCommand;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** The `switchplane` command line. */
@Command(
    name = "switchplane",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Switchplane: a control plane for distributed virtual switches.",
      "",
      "Start everything on this machine with 'switchplane up', or take the tour with 'switchplane demo'.",
      "Benchmarks: 'switchplane bench --help' (bin/switchplane runs them from the bench module)."
    })
public final class Main {
  private Main() {}

  /** The verbs, in the order the help lists them. */
  private static final List<Class<?>> VERBS =
      List.of(
          UpCommand.class,
          DemoCommand.class,
          ManagerRunCommand.class,
          AgentCommand.class,
          DvsCommand.class,
          PortGroupCommand.class,
          PortCommand.class,
          HostCommand.class,
          MigrateCommand.class,
          ChangeCommand.class,
          ApplyCommand.class,
          StatusCommand.class,
          EventsCommand.class,
          LogCommand.class,
          UserCommand.class,
          UserCommand.Login.class,
          UserCommand.WhoAmI.class,
          NetworkManagerCommand.class,
          SnapshotCommand.class,
          RecoverCommand.class,
          NamespaceCommand.class,
          PropCommand.class,
          VcenterCommand.class,
          VmTrackerCommand.class,
          SubnetCommand.class,
          IpCommand.class,
          NicCommand.class,
          PkiCommand.class,
          ConfigCommand.class,
          CompletionCommand.class);

  /** The verbs' connection options that may also come before the verb, taking a value. */
  private static final Set<String> GLOBAL_WITH_VALUE =
      Set.of(
          "--manager",
          "--context",
          "--ca",
          "--cert",
          "--cert-key",
          "--comment",
          "--timeout",
          "-o",
          "--output");

  /** The same, without a value. */
  private static final Set<String> GLOBAL_FLAGS =
      Set.of("--insecure-plaintext", "--wait", "--no-headers");

  /** The whole command line, every verb's model built. */
  public static CommandLine commandLine() {
    return commandLine(new Main(), VERBS);
  }

  /**
   * The command line for args: when they start with a verb, only that verb's model is built, as
   * picocli's building of every verb's model (reflection over some 200 options) was most of the
   * start of a read verb; anything else (help, a misspelt verb) gets the whole command line.
   */
  public static CommandLine commandLine(String[] args) {
    if (args.length > 0) {
      for (Class<?> verb : VERBS) {
        Command command = verb.getAnnotation(Command.class);
        if (command.name().equals(args[0]) || Arrays.asList(command.aliases()).contains(args[0])) {
          return commandLine(new Main(), List.of(verb));
        }
      }
    }
    return commandLine();
  }

  /** A command line rooted at root (a `switchplane` command) with these verbs. */
  public static CommandLine commandLine(Object root, List<Class<?>> verbs) {
    CommandLine cmd = new CommandLine(root);
    verbs.forEach(cmd::addSubcommand);
    cmd.setExecutionExceptionHandler(new ErrorReporter());
    cmd.setParameterExceptionHandler(Main::usageError);
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    return cmd;
  }

  public static void main(String[] args) {
    bridgeJavaLogging();
    System.exit(run(args));
  }

  /** Runs one command line as typed (global options before the verb too); returns its exit code. */
  public static int run(String[] args) {
    String[] verbFirst = globalOptionsLast(args);
    return commandLine(verbFirst).execute(verbFirst);
  }

  /**
   * args with the connection options given before the verb ({@code switchplane --manager X dvs
   * list}, as kubectl and govc take them) moved after it, where the verb reads them.
   */
  public static String[] globalOptionsLast(String[] args) {
    List<String> leading = new ArrayList<>();
    int i = 0;
    while (i < args.length) {
      String name = args[i].contains("=") ? args[i].substring(0, args[i].indexOf('=')) : args[i];
      if (GLOBAL_FLAGS.contains(args[i])) {
        leading.add(args[i++]);
      } else if (GLOBAL_WITH_VALUE.contains(name)) {
        leading.add(args[i++]);
        if (!args[i - 1].contains("=") && i < args.length) {
          leading.add(args[i++]);
        }
      } else {
        break;
      }
    }
    if (leading.isEmpty() || i == args.length) {
      return args; // nothing moved, or no verb: picocli says what is wrong with them as they are
    }
    List<String> out = new ArrayList<>(Arrays.asList(args).subList(i, args.length));
    out.addAll(leading);
    return out.toArray(String[]::new);
  }

  /**
   * A usage error in a few lines: what is wrong, the closest verbs or options, where the help is.
   */
  private static int usageError(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("error: " + ex.getMessage());
    UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("see: " + cmd.getCommandSpec().qualifiedName() + " --help");
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  /**
   * gRPC logs through java.util.logging, which would print its own format (stack traces included)
   * to stderr: its records go to SLF4J like everything else.
   */
  public static void bridgeJavaLogging() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
