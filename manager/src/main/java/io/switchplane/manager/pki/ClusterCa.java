package io.switchplane.manager.pki;

import io.switchplane.api.v1.CaInfo;
import io.switchplane.api.v1.CaRecord;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.secrets.SecretBox;
import io.switchplane.manager.store.PkiStore;
import io.switchplane.rpc.tls.CertificateAuthority;
import io.switchplane.rpc.tls.Certificates;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster CA as the managers hold it: its certificate in ZooKeeper, its private key in
 * ZooKeeper sealed with the managers' key file ({@link SecretBox}, the same key that seals vCenter
 * passwords), so every manager with that file can sign and nobody reading ZooKeeper can. Made once
 * ({@link #init}, or {@link #ensure} by the first manager to start); unsealed on first use and kept
 * in memory.
 */
public final class ClusterCa {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterCa.class);
  public static final String DEFAULT_NAME = "Switchplane cluster CA";
  public static final int DEFAULT_DAYS = 3650;

  private final PkiStore store;
  private final SecretBox secrets;
  private final Clock clock;
  private final AtomicReference<CertificateAuthority> unsealed = new AtomicReference<>();

  public ClusterCa(PkiStore store, SecretBox secrets, Clock clock) {
    this.store = store;
    this.secrets = secrets;
    this.clock = clock;
  }

  /** Makes and stores the CA. ALREADY_EXISTS (nothing changed) when there is one. */
  public CaInfo init(String commonName, int validityDays) {
    String name = commonName == null || commonName.isBlank() ? DEFAULT_NAME : commonName.trim();
    int days = validityDays == 0 ? DEFAULT_DAYS : validityDays;
    if (days < 1 || days > 36_500) {
      throw SwitchplaneException.invalid("CA validity must be 1-36500 days, was %d", days);
    }
    if (!name.matches("[A-Za-z0-9 ()._-]{1,64}")) {
      throw SwitchplaneException.invalid(
          "CA name must be 1-64 of letters, digits, space ( ) . _ -, was '%s'", name);
    }
    if (store.ca().isPresent()) {
      throw SwitchplaneException.alreadyExists(PkiStore.CA_EXISTS);
    }
    CertificateAuthority ca = CertificateAuthority.create(name, Duration.ofDays(days), clock);
    String fingerprint = Certificates.fingerprint(ca.certificate());
    store.createCa(
        CaRecord.newBuilder()
            .setCertificateDer(
                com.google.protobuf.ByteString.copyFrom(Certificates.der(ca.certificate())))
            .setSealedPrivateKey(
                com.google.protobuf.ByteString.copyFrom(
                    secrets.sealBytes(ca.privateKey().getEncoded(), context(fingerprint))))
            .setCreatedUnixMs(clock.millis())
            .build());
    unsealed.set(ca);
    LOG.info(
        "made the cluster CA {} (sha256 {})",
        ca.certificate().getSubjectX500Principal(),
        fingerprint);
    return info(ca.certificate());
  }

  /**
   * Makes the CA with the defaults unless there is one: what a manager does at start, so that its
   * operator API has a certificate from the first moment. Managers racing here end up with the CA
   * stored first (ZooKeeper's create is the arbiter), the loser reading it back.
   */
  public void ensure() {
    if (store.ca().isPresent()) {
      return;
    }
    try {
      init(DEFAULT_NAME, DEFAULT_DAYS);
    } catch (SwitchplaneException e) {
      if (e.code() != ErrorCode.ALREADY_EXISTS) {
        throw e;
      }
      LOG.info("another manager made the cluster CA first; using it");
    }
  }

  /** The CA certificate; empty before init. */
  public Optional<X509Certificate> certificate() {
    return store.ca().map(ClusterCa::parse);
  }

  /** The CA certificate as cached, never asking ZooKeeper (for TLS handshakes). */
  public Optional<X509Certificate> cachedCertificate() {
    CertificateAuthority ca = unsealed.get();
    if (ca != null) {
      return Optional.of(ca.certificate());
    }
    return store.cachedCa().map(ClusterCa::parse);
  }

  /**
   * The CA able to sign. FAILED_PRECONDITION before init or when this manager's key file cannot
   * unseal it.
   */
  public CertificateAuthority signer() {
    CertificateAuthority ca = unsealed.get();
    if (ca != null) {
      return ca;
    }
    CaRecord record =
        store
            .ca()
            .orElseThrow(
                () ->
                    SwitchplaneException.precondition(
                        "there is no cluster CA yet: run 'switchplane pki init' first"));
    X509Certificate cert = parse(record);
    byte[] key =
        secrets.unsealBytes(
            record.getSealedPrivateKey().toByteArray(), context(Certificates.fingerprint(cert)));
    try {
      ca = CertificateAuthority.of(cert, Certificates.privateKeyFromPkcs8(key));
    } catch (GeneralSecurityException e) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL, "the stored CA key cannot be read: " + e.getMessage(), e);
    }
    unsealed.compareAndSet(null, ca);
    return unsealed.get();
  }

  /** What `pki show` prints. NOT_FOUND before init. */
  public CaInfo show() {
    return info(
        certificate()
            .orElseThrow(
                () ->
                    SwitchplaneException.notFound(
                        "there is no cluster CA yet: run 'switchplane pki init'")));
  }

  public static CaInfo info(X509Certificate cert) {
    return CaInfo.newBuilder()
        .setSubject(cert.getSubjectX500Principal().getName())
        .setSerialHex(Certificates.serial(cert))
        .setNotBeforeUnixMs(cert.getNotBefore().getTime())
        .setNotAfterUnixMs(cert.getNotAfter().getTime())
        .setSha256Fingerprint(Certificates.fingerprint(cert))
        .setCertificatePem(Certificates.toPem(cert))
        .build();
  }

  private static String context(String fingerprint) {
    return "cluster-ca:" + fingerprint;
  }

  private static X509Certificate parse(CaRecord record) {
    try {
      return Certificates.fromDer(record.getCertificateDer().toByteArray());
    } catch (CertificateException e) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL, "the stored CA certificate is corrupt: " + e.getMessage(), e);
    }
  }
}
