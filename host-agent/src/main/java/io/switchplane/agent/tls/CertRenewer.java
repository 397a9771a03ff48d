package io.switchplane.agent.tls;

import io.switchplane.rpc.tls.CertificateAuthority;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.SwappableKeyManager;
import io.switchplane.rpc.tls.TlsIdentity;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the agent's certificate once two thirds of its lifetime passed: a new key and certificate
 * from the manager, saved to disk first, then swapped into the key manager, so the next handshake
 * presents it while open connections carry on (no call fails for it). A failed attempt is retried
 * after a tenth of the remaining life (at least 1 s, at most 1 min).
 */
public final class CertRenewer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CertRenewer.class);

  private final AgentTlsFiles files;
  private final SwappableKeyManager keys;
  private final String manager;
  private final Clock clock;
  private final ScheduledExecutorService timer;

  public CertRenewer(AgentTlsFiles files, SwappableKeyManager keys, String manager, Clock clock) {
    this.files = files;
    this.keys = keys;
    this.manager = manager;
    this.clock = clock;
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread th = new Thread(r, "agent-cert-renewer");
              th.setDaemon(true);
              return th;
            });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
  }

  /** Plans the first renewal. */
  public CertRenewer start() {
    schedule(renewAt(current()));
    return this;
  }

  private TlsIdentity current() {
    return keys.current().orElseThrow(() -> new IllegalStateException("no identity to renew"));
  }

  static long renewAt(TlsIdentity id) {
    return CertificateAuthority.renewalDueMs(id.leaf());
  }

  private void schedule(long atMs) {
    if (!timer.isShutdown()) {
      timer.schedule(this::renew, Math.max(0, atMs - clock.millis()), TimeUnit.MILLISECONDS);
    }
  }

  private void renew() {
    TlsIdentity old = current();
    try {
      TlsIdentity fresh = EnrollmentClient.renew(manager, old);
      files.save(fresh, manager);
      keys.set(fresh);
      LOG.info(
          "renewed the agent certificate: serial {} replaces {}, valid until {}",
          Certificates.serial(fresh.leaf()),
          Certificates.serial(old.leaf()),
          fresh.leaf().getNotAfter().toInstant());
      schedule(renewAt(fresh));
    } catch (IOException | RuntimeException e) {
      long left = old.notAfterMs() - clock.millis();
      long retry = Math.min(60_000, Math.max(1_000, left / 10));
      LOG.warn(
          "renewing the agent certificate (serial {}, expires in {} s) failed, retry in {} ms: {}",
          Certificates.serial(old.leaf()),
          left / 1000,
          retry,
          e.getMessage());
      schedule(clock.millis() + retry);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
