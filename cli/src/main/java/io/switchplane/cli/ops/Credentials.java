package io.switchplane.cli.ops;

import io.switchplane.cli.CliEnvironment;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.TlsIdentity;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What the operator keeps per manager endpoint, in {@code $SWITCHPLANE_CREDENTIALS} or {@code
 * ~/.switchplane/credentials} (mode 0600, replaced whole), as kubeconfig keeps a cluster's
 * certificate-authority-data and a user's credentials: the bearer token ({@code ENDPOINT}), the
 * cluster CA certificate the manager must present ({@code ENDPOINT#ca}, base64 DER), and the files
 * of a client certificate and its key ({@code ENDPOINT#cert}, {@code ENDPOINT#key}). {@code
 * switchplane login} and {@code up} write it; every verb reads it. {@code $SWITCHPLANE_TOKEN} and
 * {@code $SWITCHPLANE_CA} (a PEM file) win over the file. It also keeps named contexts, as
 * kubeconfig does: {@code @context/NAME} = a manager endpoint (its CA and credentials are the
 * endpoint's entries above), and {@code @current-context} = the context verbs use when neither
 * {@code --manager}, {@code --context} nor {@code $SWITCHPLANE_MANAGER} names a manager.
 */
public final class Credentials {
  static final String CA = "#ca";
  static final String CERT = "#cert";
  static final String KEY = "#key";
  private static final String CONTEXT = "@context/";
  private static final String CURRENT_CONTEXT = "@current-context";

  private Credentials() {}

  /** The file in use. */
  public static Path file() {
    String env = CliEnvironment.get("SWITCHPLANE_CREDENTIALS");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".switchplane", "credentials");
  }

  /** The token for endpoint: $SWITCHPLANE_TOKEN, else the file's entry, else none. */
  public static Optional<String> token(String endpoint) {
    String env = CliEnvironment.get("SWITCHPLANE_TOKEN");
    if (env != null && !env.isBlank()) {
      return Optional.of(env.trim());
    }
    return Optional.ofNullable(read(file()).getProperty(endpoint));
  }

  /**
   * The CA to trust for endpoint: caFile when given, else $SWITCHPLANE_CA, else the file's entry,
   * else none.
   */
  public static Optional<X509Certificate> ca(String endpoint, Path caFile) {
    String env = CliEnvironment.get("SWITCHPLANE_CA");
    if (caFile != null || env != null && !env.isBlank()) {
      return Optional.of(readCa(caFile != null ? caFile : Path.of(env.trim())));
    }
    return Optional.ofNullable(read(file()).getProperty(endpoint + CA))
        .map(
            b64 -> {
              try {
                return Certificates.fromDer(Base64.getDecoder().decode(b64));
              } catch (CertificateException | IllegalArgumentException e) {
                throw SwitchplaneException.precondition(
                    "the CA kept for %s in %s is corrupt (%s): 'switchplane login --ca "
                        + "FILE' replaces it",
                    endpoint, file(), e.getMessage());
              }
            });
  }

  /**
   * The client certificate (PEM: leaf, then CA) and key (PEM, PKCS#8) files given, else those kept
   * for endpoint.
   */
  public static Optional<TlsIdentity> clientCertificate(String endpoint, Path cert, Path key) {
    Properties kept = read(file());
    Path c =
        cert != null
            ? cert
            : Optional.ofNullable(kept.getProperty(endpoint + CERT)).map(Path::of).orElse(null);
    Path k =
        key != null
            ? key
            : Optional.ofNullable(kept.getProperty(endpoint + KEY)).map(Path::of).orElse(null);
    if (c == null && k == null) {
      return Optional.empty();
    }
    if (c == null || k == null) {
      throw SwitchplaneException.invalid(
          "a client certificate needs both --cert FILE and --cert-key FILE");
    }
    try {
      return Optional.of(
          new TlsIdentity(
              Certificates.privateKeyFromPem(Files.readString(k)),
              Certificates.fromPem(Files.readString(c))));
    } catch (IOException | GeneralSecurityException e) {
      throw SwitchplaneException.invalid(
          "cannot read the client certificate %s / key %s: %s", c, k, e.getMessage());
    }
  }

  /** A CA certificate from a PEM file (the first certificate in it). */
  public static X509Certificate readCa(Path file) {
    try {
      return Certificates.fromPem(Files.readString(file)).get(0);
    } catch (IOException | CertificateException e) {
      throw SwitchplaneException.invalid(
          "cannot read a CA certificate from %s: %s", file, e.getMessage());
    }
  }

  /** Records token for endpoint. */
  public static void save(String endpoint, String token) {
    save(Map.of(endpoint, token));
  }

  /** Records the CA to trust for endpoint (what `up` and `login --ca` do). */
  public static void saveCa(String endpoint, X509Certificate ca) {
    save(Map.of(endpoint + CA, Base64.getEncoder().encodeToString(Certificates.der(ca))));
  }

  /**
   * Records where endpoint's client certificate and key are (absolute paths; the key stays where it
   * is).
   */
  public static void saveClientCertificate(String endpoint, Path cert, Path key) {
    save(
        Map.of(
            endpoint + CERT,
            cert.toAbsolutePath().toString(),
            endpoint + KEY,
            key.toAbsolutePath().toString()));
  }

  /** The named contexts: name → manager endpoint, sorted by name. */
  public static java.util.SortedMap<String, String> contexts() {
    java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
    read(file())
        .forEach(
            (k, v) -> {
              if (k.toString().startsWith(CONTEXT)) {
                out.put(k.toString().substring(CONTEXT.length()), v.toString());
              }
            });
    return out;
  }

  /** The context in use, if one is set. */
  public static Optional<String> currentContext() {
    return Optional.ofNullable(read(file()).getProperty(CURRENT_CONTEXT));
  }

  /** The manager endpoint of context name; NOT_FOUND naming the contexts there are. */
  public static String contextEndpoint(String name) {
    String endpoint = contexts().get(name);
    if (endpoint == null) {
      throw SwitchplaneException.notFound(
          "no context '%s' in %s (contexts: %s): 'switchplane config set-context %s --manager"
              + " HOST:PORT' makes it",
          name,
          file(),
          contexts().isEmpty() ? "none" : String.join(", ", contexts().keySet()),
          name);
    }
    return endpoint;
  }

  /** Records context name as endpoint (replacing what it was). */
  public static void saveContext(String name, String endpoint) {
    if (name.isBlank() || name.contains("=") || name.contains(":")) {
      throw SwitchplaneException.invalid(
          "context name '%s': give a non-empty name without '=' or ':'", name);
    }
    save(Map.of(CONTEXT + name, endpoint));
  }

  /** Makes name the context in use; it must exist. */
  public static void useContext(String name) {
    contextEndpoint(name);
    save(Map.of(CURRENT_CONTEXT, name));
  }

  /** Sets entries, readable by the owner only. */
  private static void save(Map<String, String> entries) {
    Path file = file();
    Properties all = read(file);
    entries.forEach(all::setProperty);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp =
          Files.createTempFile(
              file.toAbsolutePath().getParent(),
              ".credentials",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (Writer w = Files.newBufferedWriter(tmp)) {
        all.store(
            w,
            "switchplane: ENDPOINT = bearer token, ENDPOINT#ca = cluster CA (base64 DER), "
                + "ENDPOINT#cert / #key = client certificate files, @context/NAME = ENDPOINT, "
                + "@current-context = NAME");
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
