package io.switchplane.manager.pki;

import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.rpc.tls.CertificateAuthority;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Csrs;
import io.switchplane.rpc.tls.PeerIdentity;
import io.switchplane.rpc.tls.SwappableKeyManager;
import io.switchplane.rpc.tls.TlsIdentity;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This manager's own manager-role certificate, issued by the cluster CA to a key made in memory
 * (never stored). It is what the manager presents to agents and on its agent port. Issued at start
 * when the CA exists, or as soon as it appears, and issued again once two thirds of its lifetime
 * passed (checked every minute, or every tenth of the lifetime when that is shorter); handshakes
 * pick up the new one at once.
 */
public final class ManagerIdentity implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ManagerIdentity.class);

  private final ClusterCa ca;
  private final java.util.function.Supplier<String> managerId;
  private final Duration lifetime;
  private final Clock clock;
  private final SwappableKeyManager keys = new SwappableKeyManager();
  private ScheduledExecutorService timer;

  /**
   * @param managerId the name the certificate gives this manager, asked when it is issued
   */
  public ManagerIdentity(
      ClusterCa ca, java.util.function.Supplier<String> managerId, Duration lifetime, Clock clock) {
    this.ca = ca;
    this.managerId = managerId;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /** Issues the certificate if the CA exists and checks it periodically from now on. */
  public synchronized ManagerIdentity start() {
    refresh();
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "manager-identity");
              t.setDaemon(true);
              return t;
            });
    long periodMs = Math.max(1_000, Math.min(60_000, lifetime.toMillis() / 10));
    timer.scheduleWithFixedDelay(this::refreshQuietly, periodMs, periodMs, TimeUnit.MILLISECONDS);
    return this;
  }

  /** What the manager presents in TLS handshakes. */
  public SwappableKeyManager keyManager() {
    return keys;
  }

  public Optional<TlsIdentity> current() {
    return keys.current();
  }

  /**
   * Issues a certificate when there is none, the CA changed, or two thirds of its life passed. Does
   * nothing before the CA exists.
   */
  public synchronized void refresh() {
    Optional<X509Certificate> caCert = ca.certificate();
    if (caCert.isEmpty()) {
      return;
    }
    Optional<TlsIdentity> now = keys.current();
    if (now.isPresent()
        && now.get().chain().get(1).equals(caCert.get())
        && !dueForRenewal(now.get().leaf())) {
      return;
    }
    CertificateAuthority signer = ca.signer();
    KeyPair pair = Csrs.newKeyPair();
    X509Certificate leaf =
        signer.issue(pair.getPublic(), PeerIdentity.manager(managerId.get()), lifetime, clock);
    keys.set(new TlsIdentity(pair.getPrivate(), List.of(leaf, signer.certificate())));
    LOG.info(
        "manager {} holds a new certificate, serial {}, valid until {}",
        managerId.get(),
        Certificates.serial(leaf),
        leaf.getNotAfter().toInstant());
  }

  private boolean dueForRenewal(X509Certificate leaf) {
    return clock.millis() >= CertificateAuthority.renewalDueMs(leaf);
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (SwitchplaneException | IllegalStateException e) {
      LOG.warn("manager {} could not renew its certificate: {}", managerId.get(), e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
