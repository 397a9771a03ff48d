package io.switchplane.agent.tls;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.switchplane.agent.AgentConfig;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.rpc.tls.Loopback;
import io.switchplane.rpc.tls.PeerIdentity;
import io.switchplane.rpc.tls.PeerTrust;
import io.switchplane.rpc.tls.SwappableKeyManager;
import io.switchplane.rpc.tls.TlsIdentity;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an agent serves: an enrolled agent (a certificate in DATA/tls) serves mutual TLS only and
 * accepts only manager-role certificates of its cluster CA, and renews its certificate by itself;
 * an agent that has not enrolled serves plaintext only when told to ({@code --insecure-plaintext})
 * and only on a loopback address; otherwise it does not start.
 */
public final class AgentTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentTls.class);

  private final ServerCredentials credentials;
  private final SwappableKeyManager keys;
  private final CertRenewer renewer;

  private AgentTls(ServerCredentials credentials, SwappableKeyManager keys, CertRenewer renewer) {
    this.credentials = credentials;
    this.keys = keys;
    this.renewer = renewer;
  }

  /**
   * Reads the agent's identity. FAILED_PRECONDITION when it has none and plaintext was not allowed,
   * or allowed on an address that is not loopback.
   */
  public static AgentTls open(AgentConfig config) throws IOException {
    AgentTlsFiles files = config.dataDir() == null ? null : new AgentTlsFiles(config.dataDir());
    Optional<TlsIdentity> identity = files == null ? Optional.empty() : files.load();
    if (identity.isPresent()) {
      SwappableKeyManager keys = new SwappableKeyManager(identity.get());
      X509Certificate ca = identity.get().chain().get(identity.get().chain().size() - 1);
      ServerCredentials creds =
          TlsServerCredentials.newBuilder()
              .keyManager(keys)
              .trustManager(PeerTrust.of(ca, PeerTrust.role(PeerIdentity.Role.MANAGER)))
              .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
              .build();
      Optional<String> manager = files.manager();
      if (manager.isEmpty()) {
        LOG.warn(
            "agent {}: no manager recorded in {}, the certificate will not be renewed",
            config.hostName(),
            files.dir());
      }
      return new AgentTls(
          creds,
          keys,
          manager.map(m -> new CertRenewer(files, keys, m, Clock.systemUTC())).orElse(null));
    }
    if (!config.insecurePlaintext()) {
      throw SwitchplaneException.precondition(
          "the agent has no certificate in %s: enroll it ('switchplane agent "
              + "--enroll TOKEN --manager HOST:PORT', the token from 'switchplane host enroll-token HOST'), or on "
              + "loopback only run it with --insecure-plaintext",
          files == null ? "(no data dir)" : files.dir());
    }
    Loopback.requirePlaintextAllowed(
        config.bindHost(), "enroll the agent to serve on other addresses");
    return new AgentTls(InsecureServerCredentials.create(), null, null);
  }

  public ServerCredentials serverCredentials() {
    return credentials;
  }

  /** Plans the certificate's renewal (no-op for plaintext). */
  public void startRenewing() {
    if (renewer != null) {
      renewer.start();
    }
  }

  public Optional<X509Certificate> certificate() {
    return keys == null ? Optional.empty() : keys.current().map(TlsIdentity::leaf);
  }

  /** For the log line: "mutual TLS" or "plaintext". */
  public String describe() {
    return keys == null ? "plaintext (insecure, loopback only)" : "mutual TLS";
  }

  @Override
  public void close() {
    if (renewer != null) {
      renewer.close();
    }
  }
}
