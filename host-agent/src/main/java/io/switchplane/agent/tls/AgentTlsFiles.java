package io.switchplane.agent.tls;

import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.TlsIdentity;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The agent's TLS identity on disk, in DATA/tls/: host.key (its private key, PKCS#8 PEM, made on
 * the host and never sent anywhere), host.crt (its certificate), ca.crt (the cluster CA) and
 * manager (where it enrolled, for renewals). Every file is mode 0600 and written whole: to a
 * temporary file, synced, renamed over the old one, and the directory synced, so a crash leaves the
 * old identity or the new one. The key and certificate are one file pair renamed key last: a crash
 * between the two leaves a certificate whose key does not match, which {@link #load} detects.
 */
public final class AgentTlsFiles {
  private final Path dir;

  public AgentTlsFiles(Path dataDir) {
    this.dir = dataDir.resolve("tls");
  }

  public Path dir() {
    return dir;
  }

  /** Whether this agent enrolled (it then serves mutual TLS only). */
  public boolean present() {
    return Files.exists(dir.resolve("host.crt")) && Files.exists(dir.resolve("host.key"));
  }

  /** The identity (leaf, CA) and the CA; empty when the agent has not enrolled. */
  public Optional<TlsIdentity> load() throws IOException {
    if (!present()) {
      return Optional.empty();
    }
    try {
      X509Certificate leaf = Certificates.fromPem(read("host.crt")).get(0);
      X509Certificate ca = caCertificate();
      var key = Certificates.privateKeyFromPem(read("host.key"));
      List<X509Certificate> chain = new ArrayList<>(List.of(leaf, ca));
      TlsIdentity id = new TlsIdentity(key, chain);
      checkKeyMatches(id);
      return Optional.of(id);
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "the TLS identity in "
              + dir
              + " cannot be read: "
              + e.getMessage()
              + "; enroll again with a new token",
          e);
    }
  }

  public X509Certificate caCertificate() throws IOException {
    try {
      return Certificates.fromPem(read("ca.crt")).get(0);
    } catch (java.security.cert.CertificateException e) {
      throw new IOException(
          "the CA certificate in " + dir + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Where the agent enrolled (host:port of the manager's agent port), if known. */
  public Optional<String> manager() throws IOException {
    Path p = dir.resolve("manager");
    return Files.exists(p) ? Optional.of(Files.readString(p).trim()) : Optional.empty();
  }

  /** Stores a new identity (and the manager to renew with), durably, replacing the old. */
  public void save(TlsIdentity identity, String manager) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    write("ca.crt", Certificates.toPem(identity.chain().get(identity.chain().size() - 1)));
    write("manager", manager + "\n");
    write("host.crt", Certificates.toPem(identity.leaf()));
    write("host.key", Certificates.toPem(identity.key()));
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  private static void checkKeyMatches(TlsIdentity id) throws GeneralSecurityException {
    java.security.Signature s =
        java.security.Signature.getInstance(
            id.key().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA");
    byte[] probe = "switchplane".getBytes(StandardCharsets.US_ASCII);
    s.initSign(id.key());
    s.update(probe);
    byte[] sig = s.sign();
    s.initVerify(id.leaf().getPublicKey());
    s.update(probe);
    if (!s.verify(sig)) {
      throw new GeneralSecurityException("host.key does not match host.crt");
    }
  }

  private String read(String name) throws IOException {
    return Files.readString(dir.resolve(name));
  }

  private void write(String name, String text) throws IOException {
    Path tmp = dir.resolve(name + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      c.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
      c.force(true);
    }
    Files.move(
        tmp,
        dir.resolve(name),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
