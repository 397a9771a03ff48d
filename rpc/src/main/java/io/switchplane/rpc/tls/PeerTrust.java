package io.switchplane.rpc.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that accepts a peer only when its chain verifies (PKIX, validity at the clock's
 * now) to the cluster CA and its leaf names a {@link PeerIdentity} that a {@link PeerCheck}
 * accepts. It does no host name verification of its own: who the peer must be is the check's
 * business (a manager dialing host H wants "host H", an agent wants any manager). Self-signed,
 * wrong-CA, expired and unnamed certificates fail the handshake.
 */
public final class PeerTrust extends X509ExtendedTrustManager {
  private final Supplier<Optional<X509Certificate>> ca;
  private final PeerCheck check;
  private final Clock clock;

  /** Decides whether a verified peer may be this connection's peer. */
  @FunctionalInterface
  public interface PeerCheck {
    /**
     * @param who the identity the verified leaf names
     * @param leaf the peer's certificate (serial, fingerprint)
     * @param peerHost the host this side dialed or accepted from (may be null)
     * @throws CertificateException to refuse, with the reason
     */
    void check(PeerIdentity who, X509Certificate leaf, String peerHost) throws CertificateException;
  }

  /**
   * @param ca the CA certificate now (empty: no CA yet, every peer is refused)
   * @param check what a verified peer must also be
   */
  public PeerTrust(Supplier<Optional<X509Certificate>> ca, PeerCheck check, Clock clock) {
    this.ca = ca;
    this.check = check;
    this.clock = clock;
  }

  /** Trusts one fixed CA. */
  public static PeerTrust of(X509Certificate ca, PeerCheck check) {
    return new PeerTrust(() -> Optional.of(ca), check, Clock.systemUTC());
  }

  /** A check accepting any peer of role. */
  public static PeerCheck role(PeerIdentity.Role role) {
    return (who, leaf, host) -> {
      if (who.role() != role) {
        throw new CertificateException(
            "the peer's certificate names " + who + ", not a " + role.label());
      }
    };
  }

  /**
   * Verifies chain to the CA and returns the identity its leaf names; CertificateException
   * otherwise.
   */
  public PeerIdentity verify(X509Certificate[] chain, String peerHost) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the peer presented no certificate");
    }
    X509Certificate anchor =
        ca.get()
            .orElseThrow(
                () ->
                    new CertificateException(
                        "there is no cluster CA yet ('switchplane pki init' makes it)"));
    X509Certificate leaf = chain[0];
    List<X509Certificate> path = Arrays.stream(chain).filter(c -> !c.equals(anchor)).toList();
    if (path.isEmpty() || !path.get(0).equals(leaf)) {
      throw new CertificateException(
          "the peer presented the CA certificate itself, not a certificate it issued");
    }
    try {
      PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
      params.setRevocationEnabled(false);
      params.setDate(Date.from(clock.instant()));
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    } catch (GeneralSecurityException e) {
      throw new CertificateException(
          "the peer's certificate (serial "
              + Certificates.serial(leaf)
              + ", "
              + leaf.getSubjectX500Principal()
              + ") is not a valid certificate of the cluster CA: "
              + e.getMessage(),
          e);
    }
    PeerIdentity who =
        PeerIdentity.of(leaf)
            .orElseThrow(
                () ->
                    new CertificateException(
                        "the peer's certificate names no Switchplane identity"));
    check.check(who, leaf, peerHost);
    return who;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain, null);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, engine == null ? null : engine.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, engine == null ? null : engine.getPeerHost());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain, null);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return ca.get().map(c -> new X509Certificate[] {c}).orElse(new X509Certificate[0]);
  }
}
