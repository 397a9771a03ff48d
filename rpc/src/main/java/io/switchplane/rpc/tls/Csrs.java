package io.switchplane.rpc.tls;

import io.switchplane.common.error.SwitchplaneException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Key pairs and certificate signing requests (PKCS#10, through Bouncy Castle): the requester makes
 * its key and signs a CSR naming the identity it asks for; the CA reads a CSR back, checks its
 * signature and the identity, and takes nothing else from it.
 */
public final class Csrs {
  private static final int MAX_CSR_BYTES = 16 * 1024;

  private Csrs() {}

  /** What a valid CSR asks for: the key to certify and the identity to name. */
  public record Request(PublicKey publicKey, PeerIdentity identity) {}

  /** A fresh EC P-256 key pair. */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is missing from this JDK", e);
    }
  }

  /**
   * A DER-encoded CSR for keys, naming who (CN and the identity's URI SAN), signed with the private
   * key.
   */
  public static byte[] create(KeyPair keys, PeerIdentity who) {
    try {
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, who.uri())));
      ContentSigner signer =
          new JcaContentSignerBuilder(signatureAlgorithm(keys.getPrivate()))
              .build(keys.getPrivate());
      return new JcaPKCS10CertificationRequestBuilder(
              new X500Name("CN=" + who.name()), keys.getPublic())
          .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
          .build(signer)
          .getEncoded();
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot build a CSR: " + e.getMessage(), e);
    }
  }

  /**
   * Reads and checks a DER CSR. INVALID_ARGUMENT when it is not a CSR, too large, its signature
   * does not verify with its own key, or it does not name exactly one Switchplane identity.
   */
  public static Request parse(byte[] der) {
    if (der == null || der.length == 0) {
      throw SwitchplaneException.invalid("the certificate signing request is empty");
    }
    if (der.length > MAX_CSR_BYTES) {
      throw SwitchplaneException.invalid(
          "the certificate signing request has %d bytes, at most %d are accepted",
          der.length, MAX_CSR_BYTES);
    }
    JcaPKCS10CertificationRequest csr;
    PublicKey key;
    try {
      csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(der));
      key = csr.getPublicKey();
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw SwitchplaneException.invalid(
            "the certificate signing request's signature does not verify with its key");
      }
    } catch (IOException
        | RuntimeException
        | GeneralSecurityException
        | OperatorCreationException
        | PKCSException e) {
      if (e instanceof SwitchplaneException se) {
        throw se;
      }
      throw SwitchplaneException.invalid(
          "the certificate signing request is malformed: %s", String.valueOf(e.getMessage()));
    }
    List<PeerIdentity> named = new ArrayList<>();
    for (Attribute a : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      for (ASN1Encodable v : a.getAttributeValues()) {
        Extensions ext;
        try {
          ext = Extensions.getInstance(v);
        } catch (RuntimeException e) {
          throw SwitchplaneException.invalid(
              "the certificate signing request's extensions are malformed");
        }
        GeneralNames names = GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName);
        if (names == null) {
          continue;
        }
        for (GeneralName n : names.getNames()) {
          if (n.getTagNo() == GeneralName.uniformResourceIdentifier) {
            PeerIdentity.parse(n.getName().toString()).ifPresent(named::add);
          }
        }
      }
    }
    if (named.size() != 1) {
      throw SwitchplaneException.invalid(
          "the certificate signing request must name exactly one identity as a URI "
              + "'urn:switchplane:host:HOST-ID'; it names %d",
          named.size());
    }
    return new Request(key, named.get(0));
  }

  static String signatureAlgorithm(java.security.Key key) {
    return key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
  }
}
