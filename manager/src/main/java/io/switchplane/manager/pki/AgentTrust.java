package io.switchplane.manager.pki;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostCertRecord;
import io.switchplane.manager.agents.AgentSecurity;
import io.switchplane.manager.store.PkiStore;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Loopback;
import io.switchplane.rpc.tls.PeerIdentity;
import io.switchplane.rpc.tls.PeerTrust;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * How the manager dials agents. An endpoint where an enrolled host is registered, and every
 * non-loopback endpoint, is dialed with mutual TLS: the manager presents its manager-role
 * certificate and accepts the agent only if its certificate, of the cluster CA, names a host
 * registered at that endpoint and is that host's current (or just renewed) certificate, as recorded
 * in ZooKeeper. So host A's certificate cannot answer for host B, and a removed host's certificate
 * is refused. Plaintext is used only for a loopback endpoint with no enrolled host.
 */
public final class AgentTrust implements AgentSecurity {
  static final String TLS = "tls";
  static final String PLAINTEXT = "plaintext";

  private final ClusterCa ca;
  private final PkiStore store;
  private final ManagerIdentity identity;
  private final Supplier<Collection<Host>> hosts;
  private final Clock clock;
  private final Map<String, String> kinds = new ConcurrentHashMap<>();
  private volatile Map<String, List<Host>> byEndpoint = Map.of();

  /**
   * @param hosts the registered hosts as cached (read on every {@link #refresh})
   */
  public AgentTrust(
      ClusterCa ca,
      PkiStore store,
      ManagerIdentity identity,
      Supplier<Collection<Host>> hosts,
      Clock clock) {
    this.ca = ca;
    this.store = store;
    this.identity = identity;
    this.hosts = hosts;
    this.clock = clock;
  }

  /**
   * Reads the hosts again; call after any registration change (certificate changes: {@link
   * #certificatesChanged}).
   */
  public void refresh() {
    Map<String, List<Host>> index = new ConcurrentHashMap<>();
    for (Host h : hosts.get()) {
      index.computeIfAbsent(h.getEndpoint(), e -> new ArrayList<>()).add(h);
    }
    byEndpoint = index;
    kinds.clear();
  }

  /**
   * A certificate record changed (an enrollment, a renewal, a revocation): which endpoints are
   * dialed with TLS is worked out again; the host index stands (it depends on hosts only).
   */
  public void certificatesChanged() {
    kinds.clear();
  }

  @Override
  public String kind(String endpoint) {
    return kinds.computeIfAbsent(
        endpoint,
        e -> {
          boolean enrolled =
              byEndpoint.getOrDefault(e, List.of()).stream()
                  .anyMatch(h -> store.cachedHostCert(h.getId()).isPresent());
          return enrolled || !Loopback.isLoopback(Loopback.hostOf(e)) ? TLS : PLAINTEXT;
        });
  }

  @Override
  public ChannelCredentials credentials(String endpoint, String kind) {
    if (!kind.equals(TLS)) {
      return InsecureChannelCredentials.create();
    }
    return TlsChannelCredentials.newBuilder()
        .keyManager(identity.keyManager())
        .trustManager(
            new PeerTrust(
                ca::cachedCertificate, (who, leaf, peerHost) -> check(endpoint, who, leaf), clock))
        .build();
  }

  /**
   * Whether a verified agent certificate may answer at endpoint; CertificateException says why not.
   */
  void check(String endpoint, PeerIdentity who, X509Certificate leaf) throws CertificateException {
    if (who.role() != PeerIdentity.Role.HOST) {
      throw new CertificateException(
          "the agent at " + endpoint + " presented a certificate of " + who + ", not of a host");
    }
    // Revocation first: it holds wherever the certificate is presented, a recovery seed included.
    Optional<HostCertRecord> record = store.cachedHostCert(who.name());
    String serial = Certificates.serial(leaf);
    if (record.isEmpty()
        || !(serial.equals(record.get().getSerialHex())
            || serial.equals(record.get().getPreviousSerialHex()))) {
      throw new CertificateException(
          "the certificate of host "
              + who.name()
              + " at "
              + endpoint
              + " (serial "
              + serial
              + ") is revoked or not the one it enrolled with");
    }
    List<Host> here = byEndpoint.getOrDefault(endpoint, List.of());
    if (here.isEmpty()) {
      return; // no host registered there (a recovery seed): any current host certificate may answer
    }
    if (here.stream().noneMatch(h -> h.getId().equals(who.name()))) {
      throw new CertificateException(
          "the agent at "
              + endpoint
              + " presented the certificate of host "
              + who.name()
              + ", but "
              + endpoint
              + " is registered to host "
              + here.get(0).getName()
              + " ("
              + here.get(0).getId()
              + ")");
    }
  }
}
