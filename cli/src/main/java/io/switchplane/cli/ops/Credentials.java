package io.switchplane.cli.ops;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Properties;

/**
 * The operator's tokens, one per manager endpoint, in {@code $SWITCHPLANE_CREDENTIALS} or
 * {@code ~/.switchplane/credentials} (mode 0600, replaced whole): what {@code switchplane login}
 * writes and every verb reads. {@code $SWITCHPLANE_TOKEN} wins over the file.
 */
public final class Credentials {
  private Credentials() {}

  /** The file in use. */
  public static Path file() {
    String env = System.getenv("SWITCHPLANE_CREDENTIALS");
    return env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".switchplane", "credentials");
  }

  /** The token for endpoint: $SWITCHPLANE_TOKEN, else the file's entry, else none. */
  public static Optional<String> token(String endpoint) {
    String env = System.getenv("SWITCHPLANE_TOKEN");
    if (env != null && !env.isBlank()) {
      return Optional.of(env.trim());
    }
    return Optional.ofNullable(read(file()).getProperty(endpoint));
  }

  /** Records token for endpoint, readable by its owner only. */
  public static void save(String endpoint, String token) {
    Path file = file();
    Properties all = read(file);
    all.setProperty(endpoint, token);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".credentials", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (Writer w = Files.newBufferedWriter(tmp)) {
        all.store(w, "switchplane login: manager endpoint = bearer token");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static Properties read(Path file) {
    Properties p = new Properties();
    if (Files.isReadable(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    return p;
  }
}
