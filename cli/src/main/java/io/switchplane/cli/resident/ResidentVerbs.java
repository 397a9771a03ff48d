package io.switchplane.cli.resident;

import io.switchplane.cli.Main;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Which command lines the resident CLI runs: verbs that only read and end by themselves, with no
 * file named relative to a directory (the resident JVM's working directory is not the caller's).
 * Everything else (writes, watches, prompts, help) runs in a JVM of its own as before.
 */
public final class ResidentVerbs {
  /** Verbs that only read, by their command path below {@code switchplane}. */
  static final Set<String> READS =
      Set.of(
          "dvs list",
          "dvs show",
          "portgroup list",
          "port list",
          "port show",
          "host list",
          "host history",
          "status",
          "events",
          "log",
          "log show",
          "namespace list",
          "prop get",
          "prop published",
          "snapshot list",
          "snapshot diff",
          "subnet list",
          "subnet show",
          "subnet usage",
          "nic list",
          "user list",
          "netmgr list",
          "netmgr networks",
          "whoami",
          "vcenter list",
          "vcenter status",
          "vmtracker show",
          "pki show",
          "config get-contexts",
          "config current-context");

  /** Options that make a read go on until interrupted. */
  private static final Set<String> UNENDING = Set.of("--watch", "--follow");

  private ResidentVerbs() {}

  /** Whether the resident CLI runs args (as typed, global options before the verb too). */
  public static boolean runs(String[] args) {
    String[] verbFirst = Main.globalOptionsLast(args);
    ParseResult parsed;
    try {
      parsed = Main.commandLine(verbFirst).parseArgs(verbFirst);
    } catch (ParameterException e) {
      return false; // its own JVM reports the usage error as it always has
    }
    if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
      return false;
    }
    List<CommandLine> path = parsed.asCommandLineList();
    ParseResult leaf = parsed;
    while (leaf.hasSubcommand()) {
      leaf = leaf.subcommand();
      if (leaf.isUsageHelpRequested()) {
        return false;
      }
    }
    String verb =
        String.join(
            " ",
            path.subList(1, path.size()).stream().map(c -> c.getCommandSpec().name()).toList());
    if (!READS.contains(verb)) {
      return false;
    }
    for (OptionSpec option : leaf.matchedOptions()) {
      if (UNENDING.contains(option.longestName())) {
        return false;
      }
      if (relativeFile(option.getValue())) {
        return false;
      }
    }
    for (PositionalParamSpec positional : leaf.matchedPositionals()) {
      if (relativeFile(positional.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean relativeFile(Object value) {
    return value instanceof Path file && !file.isAbsolute()
        || value instanceof java.io.File f && !f.isAbsolute();
  }
}
