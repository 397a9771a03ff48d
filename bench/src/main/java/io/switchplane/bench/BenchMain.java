package io.switchplane.bench;

import io.switchplane.cli.Main;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * `switchplane bench`, outside the shipped CLI jar: bin/switchplane runs this class, with the CLI
 * jar and the bench jar on the class path, for the verb bench.
 */
@Command(name = "switchplane", mixinStandardHelpOptions = true, version = "switchplane 0.1.0")
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    Main.bridgeJavaLogging();
    System.exit(Main.commandLine(new BenchMain(), List.of(BenchCommand.class)).execute(args));
  }
}
