package io.switchplane.rpc.tls;

import io.switchplane.common.error.SwitchplaneException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A one-time enrollment token as an operator passes it: {@code
 * spe1.HOST-ID.TOKEN-ID.SECRET.CA-SHA256}. The host id tells the agent what to name in its CSR; the
 * token id finds the stored record; the secret (32 random bytes, base64url) proves the holder, and
 * only its SHA-256 is stored; the CA fingerprint lets the agent check, before it sends the secret,
 * that the manager it reached belongs to the cluster that issued the token (kubeadm's
 * discovery-token-ca-cert-hash).
 */
public record EnrollToken(String hostId, String tokenId, String secret, String caSha256) {
  private static final Pattern FORM =
      Pattern.compile(
          "spe1\\.([A-Za-z0-9_:@-]{1,128})\\.([0-9a-f]{16})\\.([A-Za-z0-9_-]{43})\\.([0-9a-f]{64})");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A fresh token for a host of the CA with that fingerprint. */
  public static EnrollToken generate(String hostId, String caSha256) {
    byte[] id = new byte[8];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    return new EnrollToken(
        hostId,
        HexFormat.of().formatHex(id),
        Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
        caSha256);
  }

  /** INVALID_ARGUMENT when text is not a token of this form (the secret is never quoted back). */
  public static EnrollToken parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw SwitchplaneException.invalid(
          "the enrollment token is malformed: expected "
              + "spe1.HOST-ID.TOKEN-ID.SECRET.CA-SHA256 as 'switchplane host enroll-token' prints it");
    }
    return new EnrollToken(m.group(1), m.group(2), m.group(3), m.group(4));
  }

  /** SHA-256 of the secret, what is stored. */
  public byte[] secretHash() {
    return Certificates.sha256(secret.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** The token as text. */
  public String text() {
    return "spe1." + hostId + "." + tokenId + "." + secret + "." + caSha256;
  }

  @Override
  public String toString() {
    return "enrollment token " + tokenId + " for host " + hostId; // never the secret
  }
}
