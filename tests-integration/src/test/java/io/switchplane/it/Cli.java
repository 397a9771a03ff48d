package io.switchplane.it;

import io.switchplane.cli.Main;
import io.switchplane.cli.run.LocalStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs CLI verbs in this JVM against a manager and keeps what they printed. */
final class Cli {
  /** What one CLI invocation printed and returned. */
  record Run(int exit, String out, String err) {}

  private Cli() {}

  /**
   * Runs a verb against stack's manager, trusting its CA (--ca), as after 'switchplane up' on that
   * machine.
   */
  static Run run(LocalStack stack, String... args) {
    String[] withCa = java.util.Arrays.copyOf(args, args.length + 2);
    withCa[args.length] = "--ca";
    withCa[args.length + 1] = stack.manager().caFile().toString();
    return run(stack.managerEndpoint(), withCa);
  }

  static Run run(String manager, String... args) {
    String[] withManager = new String[args.length + 2];
    System.arraycopy(args, 0, withManager, 0, args.length);
    withManager[args.length] = "--manager";
    withManager[args.length + 1] = manager;
    return local(withManager);
  }

  /** Runs a verb as given (one that talks to no manager, or with its own --manager). */
  static Run local(String... args) {
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
}
