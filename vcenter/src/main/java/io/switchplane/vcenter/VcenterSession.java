package io.switchplane.vcenter;

import com.vmware.vim25.mo.ServiceInstance;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.RemoteException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One logged-in yavijava session with a vCenter, and the offset of vCenter's clock from ours
 * measured at login (for {@link LagMeter}).
 *
 * <p>Certificates: {@code insecure} trusts any certificate and any host name through a trust
 * manager of this session only. yavijava's own {@code ignoreCert=true} is not used on purpose: it
 * replaces the JVM-wide default {@code HttpsURLConnection} host name verifier with one that accepts
 * everything. A trust store is verified as the JDK does (chain and host name). Each session has its
 * own TLS context ({@link SessionTlsClient}).
 */
final class VcenterSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VcenterSession.class);

  private final ServiceInstance si;
  private final Duration clockOffset;

  private VcenterSession(ServiceInstance si, Duration clockOffset) {
    this.si = si;
    this.clockOffset = clockOffset;
  }

  /**
   * Logs in.
   *
   * @param readTimeout the HTTP read timeout: must exceed the longest WaitForUpdatesEx wait
   * @throws com.vmware.vim25.InvalidLogin when vCenter refuses the user name or password
   * @throws RemoteException when vCenter cannot be reached or a call fails
   * @throws IOException when the trust store cannot be read
   * @throws GeneralSecurityException when the trust store cannot be used
   */
  static VcenterSession open(
      VcenterEndpoint endpoint, Duration connectTimeout, Duration readTimeout)
      throws IOException, GeneralSecurityException {
    SessionTlsClient.install();
    TrustManager trust = trustManager(endpoint);
    ServiceInstance si =
        new ServiceInstance(
            endpoint.url(),
            endpoint.user(),
            endpoint.password(),
            trust,
            ServiceInstance.VIM25_NAMESPACE,
            (int) connectTimeout.toMillis(),
            (int) readTimeout.toMillis());
    try {
      Instant before = Instant.now();
      Instant remote = si.currentTime().toInstant();
      Instant after = Instant.now();
      Instant middle = before.plus(Duration.between(before, after).dividedBy(2));
      Duration offset = Duration.between(middle, remote);
      log.info(
          "logged in to {} as {} (vCenter clock offset {} ms)",
          endpoint.url(),
          endpoint.user(),
          offset.toMillis());
      return new VcenterSession(si, offset);
    } catch (RemoteException | RuntimeException e) {
      logout(si);
      throw e;
    }
  }

  ServiceInstance serviceInstance() {
    return si;
  }

  /** vCenter's clock minus ours, as measured at login. */
  Duration clockOffset() {
    return clockOffset;
  }

  @Override
  public void close() {
    logout(si);
  }

  /**
   * Ends the session on vCenter. Through SessionManager rather than ServerConnection.logout, which
   * prints "Failed to disconnect..." on stderr when the server is already gone.
   */
  private static void logout(ServiceInstance si) {
    try {
      si.getSessionManager().logout();
    } catch (RemoteException | RuntimeException e) {
      // The session may be gone with the server: nothing to release then.
      log.debug("logout failed: {}", e.toString());
    }
  }

  private static TrustManager trustManager(VcenterEndpoint endpoint)
      throws IOException, GeneralSecurityException {
    if (endpoint.insecure()) {
      return new TrustAll();
    }
    KeyStore store = endpoint.trustStore() == null ? null : trustStore(endpoint.trustStore());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager) {
        return tm;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager for " + endpoint.trustStore());
  }

  /**
   * A trust store file: PEM certificates (what a vCenter's CA download gives), or a JKS or PKCS12
   * key store read without a password (a PKCS12 store made by keytool with a password encrypts its
   * certificates: convert it to PEM or JKS).
   */
  static KeyStore trustStore(Path file) throws IOException, GeneralSecurityException {
    byte[] bytes = Files.readAllBytes(file);
    if (new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.US_ASCII)
        .contains("-----BEGIN")) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes))) {
        store.setCertificateEntry("cert-" + i++, c);
      }
      if (i == 0) {
        throw new GeneralSecurityException("no certificate in " + file);
      }
      return store;
    }
    KeyStore store = KeyStore.getInstance(file.toFile(), (char[]) null);
    if (store.size() == 0) {
      throw new GeneralSecurityException(
          "no readable certificate in "
              + file
              + " (a password-protected PKCS12 store hides them: use PEM or JKS)");
    }
    return store;
  }

  /**
   * Accepts any certificate for any host name. An X509ExtendedTrustManager, because for a plain
   * X509TrustManager the JDK still checks the host name itself.
   */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
