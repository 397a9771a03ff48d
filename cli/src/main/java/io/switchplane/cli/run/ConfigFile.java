package io.switchplane.cli.run;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * The {@code --config FILE} of the long-running verbs ({@code manager}, {@code agent}): {@code
 * key=value} lines in {@link Properties} syntax ({@code #} starts a comment), each key a long
 * option name of the verb without its dashes ({@code data-dir=/var/lib/x} for {@code --data-dir}).
 * An option given on the command line wins over the file, the file over the built-in default.
 *
 * <p>A picocli default-value provider: picocli asks it, after the arguments are parsed, for every
 * option the command line did not set, so {@code --config} is known by then. The first question
 * reads the file whole and refuses it when a key names no option of the verb (a misspelt key would
 * otherwise silently leave the default in force).
 */
public final class ConfigFile implements IDefaultValueProvider {
  /** The option naming the file. */
  public static final String OPTION = "--config";

  private Path loadedFrom;
  private Properties values;

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.longestName().equals(OPTION)) {
      return null;
    }
    CommandSpec command = arg.command();
    OptionSpec config = command.findOption(OPTION);
    Path file = config == null ? null : config.getValue();
    if (file == null) {
      return null; // no --config: the built-in defaults
    }
    return load(command, file).getProperty(key(option));
  }

  private synchronized Properties load(CommandSpec command, Path file) {
    if (!file.equals(loadedFrom)) {
      values = read(command, file);
      loadedFrom = file;
    }
    return values;
  }

  /** The file's values, every key checked against the verb's options. */
  static Properties read(CommandSpec command, Path file) {
    CommandLine cmd = command.commandLine();
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      throw new ParameterException(cmd, OPTION + " " + file + ": no such file");
    } catch (IOException | IllegalArgumentException e) {
      throw new ParameterException(
          cmd, OPTION + " " + file + ": cannot read it: " + e.getMessage());
    }
    TreeSet<String> known = new TreeSet<>();
    for (OptionSpec o : command.options()) {
      if (o.longestName().startsWith("--")
          && !o.longestName().equals(OPTION)
          && !o.usageHelp()
          && !o.versionHelp()) {
        known.add(key(o));
      }
    }
    for (String k : new TreeSet<>(p.stringPropertyNames())) {
      if (!known.contains(k)) {
        throw new ParameterException(
            cmd,
            OPTION
                + " "
                + file
                + ": unknown key '"
                + k
                + "': '"
                + command.qualifiedName()
                + "' takes "
                + String.join(", ", known));
      }
    }
    return p;
  }

  /** The file's key for an option: its long name without the dashes. */
  private static String key(OptionSpec option) {
    return option.longestName().replaceFirst("^--", "");
  }
}
