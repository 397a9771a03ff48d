package io.switchplane.cli.ops;

import io.switchplane.cli.output.Table;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `switchplane config ...`: named contexts, as kubectl's: a name for a manager endpoint, kept in
 * the credentials file with that endpoint's CA and credentials ({@link Credentials}).
 */
@Command(
    name = "config",
    description = "Named contexts: a saved manager to talk to (like kubectl config).",
    mixinStandardHelpOptions = true,
    subcommands = {
      ConfigCommand.SetContext.class,
      ConfigCommand.UseContext.class,
      ConfigCommand.GetContexts.class,
      ConfigCommand.CurrentContext.class
    })
public final class ConfigCommand {
  private ConfigCommand() {}

  @Command(
      name = "set-context",
      mixinStandardHelpOptions = true,
      description = {
        "Make or change a context: a name for a manager endpoint; --ca keeps the cluster CA for"
            + " that endpoint (as 'login --ca' does)."
      })
  static final class SetContext implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The context's name.")
    String name;

    @Option(
        names = "--manager",
        required = true,
        paramLabel = "HOST:PORT",
        description = "The manager endpoint.")
    String manager;

    @Option(
        names = "--ca",
        paramLabel = "FILE",
        description = "The cluster CA certificate (PEM) to keep for that endpoint.")
    Path ca;

    @Option(names = "--use", description = "Also make it the current context.")
    boolean use;

    @Override
    public Integer call() {
      if (ca != null) {
        Credentials.saveCa(manager, Credentials.readCa(ca)); // read before anything is written
      }
      Credentials.saveContext(name, manager);
      if (use) {
        Credentials.useContext(name);
      }
      System.out.println("context " + name + " is manager " + manager + (use ? " (current)" : ""));
      return 0;
    }
  }

  @Command(
      name = "use-context",
      mixinStandardHelpOptions = true,
      description =
          "Talk to this context's manager from now on (--manager, --context and"
              + " $SWITCHPLANE_MANAGER still win).")
  static final class UseContext implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "A context from 'config get-contexts'.")
    String name;

    @Override
    public Integer call() {
      Credentials.useContext(name);
      System.out.println(
          "now using context " + name + " (" + Credentials.contextEndpoint(name) + ")");
      return 0;
    }
  }

  @Command(
      name = "get-contexts",
      mixinStandardHelpOptions = true,
      description = "List the contexts; * marks the current one.")
  static final class GetContexts implements Callable<Integer> {
    @Option(names = "--no-headers", description = "Without the header row.")
    boolean noHeaders;

    @Override
    public Integer call() {
      String current = Credentials.currentContext().orElse("");
      Table t = new Table("CURRENT", "NAME", "MANAGER", "CA KEPT", "TOKEN KEPT");
      for (Map.Entry<String, String> c : Credentials.contexts().entrySet()) {
        t.row(
            c.getKey().equals(current) ? "*" : "",
            c.getKey(),
            c.getValue(),
            Credentials.ca(c.getValue(), null).isPresent() ? "yes" : "no",
            Credentials.token(c.getValue()).isPresent() ? "yes" : "no");
      }
      t.print(System.out, true, !noHeaders);
      return 0;
    }
  }

  @Command(
      name = "current-context",
      mixinStandardHelpOptions = true,
      description = "Print the current context's name.")
  static final class CurrentContext implements Callable<Integer> {
    @Override
    public Integer call() {
      System.out.println(Credentials.currentContext().orElse("none"));
      return 0;
    }
  }
}
