package io.switchplane.manager.pki;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.CreateEnrollTokenResponse;
import io.switchplane.api.v1.EnrollResponse;
import io.switchplane.api.v1.EnrollTokenRecord;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostCertRecord;
import io.switchplane.api.v1.RenewResponse;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.changeset.HostLookup;
import io.switchplane.manager.store.PkiStore;
import io.switchplane.rpc.tls.CertificateAuthority;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Csrs;
import io.switchplane.rpc.tls.EnrollToken;
import io.switchplane.rpc.tls.PeerIdentity;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host certificates: one-time tokens, enrollment (token + CSR → certificate naming the token's
 * host) and renewal (current certificate + CSR → new certificate). Every refusal is decided before
 * anything is written; an accepted enrollment deletes the token and records the new certificate in
 * one ZooKeeper transaction.
 */
public final class Enrollments {
  private static final Logger LOG = LoggerFactory.getLogger(Enrollments.class);
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofMinutes(15);

  private final ClusterCa ca;
  private final PkiStore store;
  private final HostLookup hosts;
  private final Duration certLifetime;
  private final Clock clock;

  public Enrollments(
      ClusterCa ca, PkiStore store, HostLookup hosts, Duration certLifetime, Clock clock) {
    this.ca = ca;
    this.store = store;
    this.hosts = hosts;
    this.certLifetime = certLifetime;
    this.clock = clock;
  }

  /** A token for a registered host (id or name). */
  public CreateEnrollTokenResponse createToken(String hostRef, Duration ttl) {
    if (ttl.compareTo(Duration.ofMinutes(1)) < 0 || ttl.compareTo(Duration.ofHours(24)) > 0) {
      throw SwitchplaneException.invalid(
          "an enrollment token lives 1 minute to 24 hours, asked %d s", ttl.toSeconds());
    }
    Host host =
        hosts
            .find(hostRef)
            .orElseThrow(
                () -> SwitchplaneException.notFound("host '%s' is not registered", hostRef));
    X509Certificate caCert = ca.signer().certificate();
    EnrollToken token = EnrollToken.generate(host.getId(), Certificates.fingerprint(caCert));
    long expires = clock.millis() + ttl.toMillis();
    store.createToken(
        token.tokenId(),
        EnrollTokenRecord.newBuilder()
            .setHostId(host.getId())
            .setSecretSha256(ByteString.copyFrom(token.secretHash()))
            .setExpiresUnixMs(expires)
            .build());
    LOG.info("made {} (expires in {} s)", token, ttl.toSeconds());
    return CreateEnrollTokenResponse.newBuilder()
        .setToken(token.text())
        .setHostId(host.getId())
        .setExpiresUnixMs(expires)
        .build();
  }

  /** See EnrollmentService.Enroll in pki.proto for the refusals. */
  public EnrollResponse enroll(String tokenText, byte[] csrDer) {
    EnrollToken token = EnrollToken.parse(tokenText);
    var stored =
        store
            .token(token.tokenId())
            .orElseThrow(
                () ->
                    SwitchplaneException.unauthenticated(
                        "enrollment token %s is unknown or was used already: ask for a new one",
                        token.tokenId()));
    EnrollTokenRecord record = stored.value();
    if (!MessageDigest.isEqual(record.getSecretSha256().toByteArray(), token.secretHash())
        || !record.getHostId().equals(token.hostId())) {
      throw SwitchplaneException.unauthenticated(
          "enrollment token %s does not match what was issued", token.tokenId());
    }
    if (clock.millis() >= record.getExpiresUnixMs()) {
      throw SwitchplaneException.unauthenticated(
          "enrollment token %s expired at %s: ask for a new one",
          token.tokenId(), java.time.Instant.ofEpochMilli(record.getExpiresUnixMs()));
    }
    Csrs.Request csr = Csrs.parse(csrDer);
    requireHost(csr, record.getHostId());
    CertificateAuthority signer = ca.signer();
    X509Certificate cert = signer.issue(csr.publicKey(), csr.identity(), certLifetime, clock);
    int version = store.hostCert(record.getHostId()).map(PkiStore.Versioned::version).orElse(-1);
    store.recordEnrollment(
        token.tokenId(),
        stored.version(),
        HostCertRecord.newBuilder()
            .setHostId(record.getHostId())
            .setSerialHex(Certificates.serial(cert))
            .setSha256Fingerprint(Certificates.fingerprint(cert))
            .setNotAfterUnixMs(cert.getNotAfter().getTime())
            .build(),
        version);
    LOG.info(
        "host {} enrolled: certificate serial {} until {}",
        record.getHostId(),
        Certificates.serial(cert),
        cert.getNotAfter().toInstant());
    return EnrollResponse.newBuilder()
        .setHostId(record.getHostId())
        .setCertificateDer(ByteString.copyFrom(Certificates.der(cert)))
        .setCaCertificateDer(ByteString.copyFrom(Certificates.der(signer.certificate())))
        .build();
  }

  /** See EnrollmentService.Renew in pki.proto for the refusals. */
  public RenewResponse renew(Optional<X509Certificate> peer, byte[] csrDer) {
    X509Certificate current =
        peer.orElseThrow(
            () ->
                SwitchplaneException.unauthenticated(
                    "renewal needs the host's current certificate as the TLS client certificate"));
    PeerIdentity who =
        PeerIdentity.of(current)
            .orElseThrow(
                () ->
                    SwitchplaneException.denied(
                        "the client certificate names no Switchplane identity"));
    if (who.role() != PeerIdentity.Role.HOST) {
      throw SwitchplaneException.denied(
          "only a host renews its certificate; the client certificate names %s", who);
    }
    var stored =
        store
            .hostCert(who.name())
            .orElseThrow(
                () ->
                    SwitchplaneException.denied(
                        "host %s's certificate is revoked (the host was removed or never enrolled)",
                        who.name()));
    HostCertRecord record = stored.value();
    String serial = Certificates.serial(current);
    if (!serial.equals(record.getSerialHex()) && !serial.equals(record.getPreviousSerialHex())) {
      throw SwitchplaneException.denied(
          "certificate serial %s of host %s is revoked: it is not the host's current " + "one",
          serial, who.name());
    }
    Csrs.Request csr = Csrs.parse(csrDer);
    requireHost(csr, who.name());
    CertificateAuthority signer = ca.signer();
    X509Certificate cert = signer.issue(csr.publicKey(), csr.identity(), certLifetime, clock);
    // The certificate presented stays accepted as the previous one (it may be in use until the
    // agent swaps).
    store.recordRenewal(
        HostCertRecord.newBuilder()
            .setHostId(who.name())
            .setSerialHex(Certificates.serial(cert))
            .setSha256Fingerprint(Certificates.fingerprint(cert))
            .setNotAfterUnixMs(cert.getNotAfter().getTime())
            .setPreviousSerialHex(serial)
            .setPreviousNotAfterUnixMs(current.getNotAfter().getTime())
            .build(),
        stored.version());
    LOG.info(
        "host {} renewed its certificate: serial {} replaces {}, until {}",
        who.name(),
        Certificates.serial(cert),
        serial,
        cert.getNotAfter().toInstant());
    return RenewResponse.newBuilder()
        .setCertificateDer(ByteString.copyFrom(Certificates.der(cert)))
        .setCaCertificateDer(ByteString.copyFrom(Certificates.der(signer.certificate())))
        .build();
  }

  private static void requireHost(Csrs.Request csr, String hostId) {
    if (!csr.identity().equals(PeerIdentity.host(hostId))) {
      throw SwitchplaneException.denied(
          "the certificate signing request names %s, but the credential is for host %s",
          csr.identity(), hostId);
    }
  }
}
