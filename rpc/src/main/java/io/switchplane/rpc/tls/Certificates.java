package io.switchplane.rpc.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/** Reading, writing and naming certificates and keys: DER, PEM, serials, SHA-256 fingerprints. */
public final class Certificates {
  private Certificates() {}

  /**
   * Lower-case hex SHA-256 of the DER encoding, as `openssl x509 -fingerprint -sha256` without
   * colons.
   */
  public static String fingerprint(X509Certificate cert) {
    return HexFormat.of().formatHex(sha256(der(cert)));
  }

  /** The serial number in lower-case hex. */
  public static String serial(X509Certificate cert) {
    return cert.getSerialNumber().toString(16);
  }

  public static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  public static byte[] der(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (CertificateException e) {
      throw new IllegalStateException("a parsed certificate cannot be encoded again", e);
    }
  }

  /** A certificate from DER bytes; CertificateException when they are not one. */
  public static X509Certificate fromDer(byte[] der) throws CertificateException {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  /**
   * Every certificate in a PEM text, in order; CertificateException when there is none or one is
   * bad.
   */
  public static List<X509Certificate> fromPem(String pem) throws CertificateException {
    List<X509Certificate> out = new ArrayList<>();
    for (PemObject o : pemObjects(pem)) {
      if (o.getType().equals("CERTIFICATE")) {
        out.add(fromDer(o.getContent()));
      }
    }
    if (out.isEmpty()) {
      throw new CertificateException("no CERTIFICATE block in the PEM text");
    }
    return out;
  }

  /** An EC or RSA private key from a PEM "PRIVATE KEY" (PKCS#8) block. */
  public static PrivateKey privateKeyFromPem(String pem) throws GeneralSecurityException {
    for (PemObject o : pemObjects(pem)) {
      if (o.getType().equals("PRIVATE KEY")) {
        return privateKeyFromPkcs8(o.getContent());
      }
    }
    throw new GeneralSecurityException("no PRIVATE KEY block in the PEM text");
  }

  /**
   * The content of the first PEM block of type (e.g. "CERTIFICATE REQUEST"); CertificateException
   * when none.
   */
  public static byte[] pemBlock(String pem, String type) throws CertificateException {
    return pemObjects(pem).stream()
        .filter(o -> o.getType().equals(type))
        .findFirst()
        .map(PemObject::getContent)
        .orElseThrow(() -> new CertificateException("no " + type + " block in the PEM text"));
  }

  /** An EC (else RSA) private key from PKCS#8 DER. */
  public static PrivateKey privateKeyFromPkcs8(byte[] pkcs8) throws GeneralSecurityException {
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    }
  }

  /** PEM text of certificates, keys (PKCS#8) or other objects JcaPEMWriter knows. */
  public static String toPem(Object... objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        if (o instanceof PrivateKey k) {
          w.writeObject(new PemObject("PRIVATE KEY", k.getEncoded()));
        } else {
          w.writeObject(o);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static List<PemObject> pemObjects(String pem) throws CertificateException {
    List<PemObject> out = new ArrayList<>();
    try (PemReader r = new PemReader(new StringReader(pem))) {
      for (PemObject o = r.readPemObject(); o != null; o = r.readPemObject()) {
        out.add(o);
      }
    } catch (IOException e) {
      throw new CertificateException("not PEM: " + e.getMessage(), e);
    }
    return out;
  }
}
