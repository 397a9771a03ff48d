package io.switchplane.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code switchplane --version}: the version and git commit the build wrote into {@code
 * version.properties}. A build outside a git checkout leaves the commit unknown rather than
 * failing.
 */
public final class Version implements IVersionProvider {
  static final String RESOURCE = "version.properties";

  /** What the build recorded: version and commit ("unknown" where it could not tell). */
  public record Info(String version, String commit, boolean dirty) {
    /** One line, e.g. {@code switchplane 0.1.0 (commit 1a2b3c4)}. */
    public String line() {
      return "switchplane " + version + " (commit " + commit + (dirty ? ", modified" : "") + ")";
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {read().line()};
  }

  /** The recorded version of this build. */
  public static Info read() {
    Properties p = new Properties();
    try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return new Info(
        known(p.getProperty("version")),
        known(p.getProperty("commit")),
        "true".equals(p.getProperty("dirty")));
  }

  /** value, or "unknown" when missing or left unfilled (no git checkout at build time). */
  private static String known(String value) {
    return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value.strip();
  }
}
