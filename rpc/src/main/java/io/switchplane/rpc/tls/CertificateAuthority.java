package io.switchplane.rpc.tls;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority: its self-signed certificate and private key, and the issuing of leaf
 * certificates (through Bouncy Castle) naming one {@link PeerIdentity}. Leaves are valid from a
 * minute before now (clock skew between hosts) for the lifetime asked, usable for TLS client and
 * server authentication, never as a CA. Serials are 128 random bits.
 */
public final class CertificateAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** How far before its issue a certificate is valid from (clock skew between hosts). */
  public static final Duration BACKDATE = Duration.ofMinutes(1);

  private final X509Certificate certificate;
  private final PrivateKey privateKey;

  private CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
  }

  /** A CA over a certificate and the private key of its public key. */
  public static CertificateAuthority of(X509Certificate certificate, PrivateKey privateKey) {
    return new CertificateAuthority(certificate, privateKey);
  }

  /** A new CA with a fresh EC P-256 key, named "CN=commonName", valid for validity from now. */
  public static CertificateAuthority create(String commonName, Duration validity, Clock clock) {
    KeyPair keys = Csrs.newKeyPair();
    X500Name name = new X500Name("CN=" + commonName);
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  name,
                  randomSerial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(now.plus(validity)),
                  name,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  utils.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(
          sign(b, keys.getPrivate(), keys.getPublic()), keys.getPrivate());
    } catch (CertIOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot build the CA certificate: " + e.getMessage(), e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /**
   * When a certificate of ours is due for renewal: once two thirds of the lifetime it was issued
   * for passed (counted from its issue, not from its backdated start).
   */
  public static long renewalDueMs(X509Certificate cert) {
    long issued =
        Math.min(cert.getNotBefore().getTime() + BACKDATE.toMillis(), cert.getNotAfter().getTime());
    return issued + (cert.getNotAfter().getTime() - issued) * 2 / 3;
  }

  /**
   * A leaf certificate for subjectKey naming who, valid from now for lifetime (never past the CA's
   * end).
   */
  public X509Certificate issue(
      PublicKey subjectKey, PeerIdentity who, Duration lifetime, Clock clock) {
    Instant now = clock.instant();
    Instant end = now.plus(lifetime);
    if (end.isAfter(certificate.getNotAfter().toInstant())) {
      end = certificate.getNotAfter().toInstant();
    }
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  randomSerial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(end),
                  new X500Name("CN=" + who.name()),
                  subjectKey)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(
                      new GeneralName(GeneralName.uniformResourceIdentifier, who.uri())))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  utils.createAuthorityKeyIdentifier(certificate))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  utils.createSubjectKeyIdentifier(subjectKey));
      return sign(b, privateKey, subjectKey);
    } catch (CertIOException | java.security.NoSuchAlgorithmException | CertificateException e) {
      throw new IllegalStateException(
          "cannot issue a certificate for " + who + ": " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(
      X509v3CertificateBuilder b, PrivateKey signingKey, PublicKey subjectKey) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(
                  new JcaContentSignerBuilder(Csrs.signatureAlgorithm(signingKey))
                      .build(signingKey)));
    } catch (OperatorCreationException | CertificateException e) {
      throw new IllegalStateException(
          "cannot sign a certificate for " + subjectKey.getAlgorithm() + " key: " + e.getMessage(),
          e);
    }
  }

  private static BigInteger randomSerial() {
    return new BigInteger(128, RANDOM).setBit(127);
  }
}
