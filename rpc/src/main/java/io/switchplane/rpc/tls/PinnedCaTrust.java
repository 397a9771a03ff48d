package io.switchplane.rpc.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server whose chain includes the CA certificate with a known SHA-256 fingerprint (from an
 * enrollment token) and verifies to it, as {@link PeerTrust} does. What an agent that has no CA
 * certificate yet uses to reach the manager it enrolls with.
 */
public final class PinnedCaTrust extends X509ExtendedTrustManager {
  private final String caSha256;
  private final PeerTrust.PeerCheck check;

  public PinnedCaTrust(String caSha256, PeerTrust.PeerCheck check) {
    this.caSha256 = caSha256;
    this.check = check;
  }

  private void verify(X509Certificate[] chain) throws CertificateException {
    X509Certificate ca =
        chain == null
            ? null
            : Arrays.stream(chain)
                .filter(c -> Certificates.fingerprint(c).equals(caSha256))
                .findFirst()
                .orElse(null);
    if (ca == null) {
      throw new CertificateException(
          "the manager's certificate is not of the cluster CA the token names (sha256 "
              + caSha256
              + "): a token of another cluster, or not a Switchplane manager");
    }
    PeerTrust.of(ca, check).verify(chain, null);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a pinned-CA trust manager checks servers only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a pinned-CA trust manager checks servers only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a pinned-CA trust manager checks servers only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
