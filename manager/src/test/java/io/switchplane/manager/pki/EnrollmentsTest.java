package io.switchplane.manager.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.switchplane.api.v1.EnrollResponse;
import io.switchplane.api.v1.Host;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.secrets.SecretBox;
import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.HostStore;
import io.switchplane.manager.store.PkiStore;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Csrs;
import io.switchplane.rpc.tls.EnrollToken;
import io.switchplane.rpc.tls.PeerIdentity;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CA, tokens, enrollment and renewal against a real ZooKeeper, with a clock the test moves. */
class EnrollmentsTest {
  @TempDir Path dir;
  private TestingServer zk;
  private CuratorFramework client;
  private HostStore hosts;
  private PkiStore store;
  private ClusterCa ca;
  private Enrollments enrollments;
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
  private final Clock clock =
      new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };
  private Host h1;
  private Host h2;

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer();
    client = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
    client.start();
    DvsStore dvs = new DvsStore(client);
    dvs.ensureLayout();
    hosts = new HostStore(client, dvs);
    hosts.start();
    store = new PkiStore(client);
    store.ensureLayout();
    store.start();
    ca = new ClusterCa(store, new SecretBox(dir.resolve("key")), clock);
    enrollments = new Enrollments(ca, store, hosts, Duration.ofDays(30), clock);
    h1 = hosts.register("esx1", "127.0.0.1:7401");
    h2 = hosts.register("esx2", "127.0.0.1:7402");
  }

  @AfterEach
  void tearDown() throws Exception {
    store.close();
    hosts.close();
    client.close();
    zk.close();
  }

  @Test
  void managersStartingTogetherEndWithOneCa() throws Exception {
    java.util.List<PkiStore> stores = new java.util.ArrayList<>();
    java.util.List<ClusterCa> managers = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        PkiStore s = new PkiStore(client); // each manager its own view, one ZooKeeper
        s.start();
        stores.add(s);
        managers.add(new ClusterCa(s, new SecretBox(dir.resolve("key")), clock));
      }
      java.util.concurrent.CyclicBarrier go =
          new java.util.concurrent.CyclicBarrier(managers.size());
      java.util.List<java.util.concurrent.CompletableFuture<String>> made =
          managers.stream()
              .map(
                  m ->
                      java.util.concurrent.CompletableFuture.supplyAsync(
                          () -> {
                            try {
                              go.await();
                            } catch (Exception e) {
                              throw new IllegalStateException(e);
                            }
                            m.ensure();
                            return Certificates.fingerprint(m.signer().certificate());
                          }))
              .toList();
      java.util.Set<String> fingerprints = new java.util.HashSet<>();
      for (var f : made) {
        fingerprints.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
      }
      assertThat(fingerprints)
          .as("every manager signs with the one stored CA")
          .hasSize(1)
          .containsExactly(ca.show().getSha256Fingerprint());
      assertThatThrownBy(() -> ca.init("", 0))
          .as("pki init on the CA a manager made")
          .isInstanceOfSatisfying(
              SwitchplaneException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    } finally {
      stores.forEach(PkiStore::close);
    }
  }

  @Test
  void theCaIsMadeOnceItsKeyIsSealedAndAnotherManagerWithTheKeyFileSignsWithIt() throws Exception {
    var info = ca.init("", 0);
    assertThat(info.getSubject()).isEqualTo("CN=Switchplane cluster CA");
    assertThat(info.getSha256Fingerprint()).hasSize(64);
    assertThat(info.getNotAfterUnixMs() - info.getNotBeforeUnixMs())
        .isGreaterThan(Duration.ofDays(3649).toMillis());
    assertThatThrownBy(() -> ca.init("other", 10))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    assertThat(ca.show()).isEqualTo(info);
    byte[] sealed = store.ca().orElseThrow().getSealedPrivateKey().toByteArray();
    assertThat(java.util.HexFormat.of().formatHex(sealed))
        .as("the key is not in ZooKeeper in the clear")
        .doesNotContain(java.util.HexFormat.of().formatHex(ca.signer().privateKey().getEncoded()));

    ClusterCa second = new ClusterCa(store, new SecretBox(dir.resolve("key")), clock);
    assertThat(second.signer().privateKey()).isEqualTo(ca.signer().privateKey());
    ClusterCa stranger = new ClusterCa(store, new SecretBox(dir.resolve("other-key")), clock);
    assertThatThrownBy(stranger::signer)
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
  }

  @Test
  void aTokenEnrollsItsHostOnceAndTheCertificateNamesTheHost() {
    ca.init("", 0);
    String token = enrollments.createToken("esx1", Duration.ofMinutes(15)).getToken();
    KeyPair keys = Csrs.newKeyPair();
    EnrollResponse r = enrollments.enroll(token, Csrs.create(keys, PeerIdentity.host(h1.getId())));
    X509Certificate cert = cert(r.getCertificateDer().toByteArray());
    assertThat(PeerIdentity.of(cert)).contains(PeerIdentity.host(h1.getId()));
    assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
    assertThat(cert.getNotAfter().toInstant())
        .isEqualTo(
            now.get()
                .plus(Duration.ofDays(30))
                .minusMillis(0)
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    assertThat(store.hostCert(h1.getId()).orElseThrow().value().getSerialHex())
        .isEqualTo(Certificates.serial(cert));

    assertRefused(
        () ->
            enrollments.enroll(
                token, Csrs.create(Csrs.newKeyPair(), PeerIdentity.host(h1.getId()))),
        ErrorCode.UNAUTHENTICATED,
        "unknown or was used already");
    assertThat(store.hostCert(h1.getId()).orElseThrow().value().getSerialHex())
        .as("the reuse changed nothing")
        .isEqualTo(Certificates.serial(cert));
  }

  @Test
  void refusalsConsumeNothingAndSayWhy() {
    ca.init("", 0);
    String token = enrollments.createToken("esx1", Duration.ofMinutes(15)).getToken();
    assertRefused(
        () -> enrollments.enroll(token, new byte[] {0x30, 0x03, 1, 2, 3}),
        ErrorCode.INVALID_ARGUMENT,
        "malformed");
    assertRefused(
        () ->
            enrollments.enroll(
                token, Csrs.create(Csrs.newKeyPair(), PeerIdentity.host(h2.getId()))),
        ErrorCode.PERMISSION_DENIED,
        "names host " + h2.getId());
    assertRefused(
        () -> enrollments.enroll(token, Csrs.create(Csrs.newKeyPair(), PeerIdentity.manager("m1"))),
        ErrorCode.PERMISSION_DENIED,
        "names manager m1");
    EnrollToken t = EnrollToken.parse(token);
    String wrongSecret =
        new EnrollToken(t.hostId(), t.tokenId(), "A".repeat(43), t.caSha256()).text();
    assertRefused(
        () -> enrollments.enroll(wrongSecret, csr(h1)),
        ErrorCode.UNAUTHENTICATED,
        "does not match");
    String otherHost = new EnrollToken(h2.getId(), t.tokenId(), t.secret(), t.caSha256()).text();
    assertRefused(
        () -> enrollments.enroll(otherHost, csr(h2)), ErrorCode.UNAUTHENTICATED, "does not match");
    assertRefused(
        () -> enrollments.enroll("spe1.nonsense", csr(h1)),
        ErrorCode.INVALID_ARGUMENT,
        "malformed");
    assertRefused(
        () -> enrollments.enroll(EnrollToken.generate(h1.getId(), t.caSha256()).text(), csr(h1)),
        ErrorCode.UNAUTHENTICATED,
        "unknown");
    assertThat(store.hostCert(h1.getId())).as("nothing recorded").isEmpty();

    enrollments.enroll(token, csr(h1)); // the token survived every refusal
    assertThat(store.hostCert(h1.getId())).isPresent();
  }

  @Test
  void anExpiredTokenIsRefusedAndTokensNeedACaAndAKnownHost() {
    assertRefused(
        () -> enrollments.createToken("esx1", Duration.ofMinutes(15)),
        ErrorCode.FAILED_PRECONDITION,
        "pki init");
    ca.init("", 0);
    assertRefused(
        () -> enrollments.createToken("nope", Duration.ofMinutes(15)), ErrorCode.NOT_FOUND, "nope");
    assertRefused(
        () -> enrollments.createToken("esx1", Duration.ofSeconds(5)),
        ErrorCode.INVALID_ARGUMENT,
        "1 minute");
    String token = enrollments.createToken("esx1", Duration.ofMinutes(15)).getToken();
    now.set(now.get().plus(Duration.ofMinutes(15)));
    assertRefused(() -> enrollments.enroll(token, csr(h1)), ErrorCode.UNAUTHENTICATED, "expired");
    assertThat(store.hostCert(h1.getId())).isEmpty();
  }

  @Test
  void renewalNeedsTheCurrentCertificateOfTheHostItNamesAndRemovingTheHostRevokesIt()
      throws Exception {
    ca.init("", 0);
    X509Certificate first =
        cert(
            enrollments
                .enroll(enrollments.createToken("esx1", Duration.ofMinutes(15)).getToken(), csr(h1))
                .getCertificateDer()
                .toByteArray());
    assertRefused(
        () -> enrollments.renew(Optional.empty(), csr(h1)),
        ErrorCode.UNAUTHENTICATED,
        "current certificate");
    assertRefused(
        () -> enrollments.renew(Optional.of(first), csr(h2)),
        ErrorCode.PERMISSION_DENIED,
        "names host " + h2.getId());

    X509Certificate second =
        cert(enrollments.renew(Optional.of(first), csr(h1)).getCertificateDer().toByteArray());
    X509Certificate third =
        cert(enrollments.renew(Optional.of(second), csr(h1)).getCertificateDer().toByteArray());
    assertThat(store.hostCert(h1.getId()).orElseThrow().value().getSerialHex())
        .isEqualTo(Certificates.serial(third));
    assertRefused(
        () -> enrollments.renew(Optional.of(first), csr(h1)),
        ErrorCode.PERMISSION_DENIED,
        "is revoked");
    X509Certificate managerCert =
        ca.signer()
            .issue(
                Csrs.newKeyPair().getPublic(),
                PeerIdentity.manager("m"),
                Duration.ofDays(1),
                clock);
    assertRefused(
        () -> enrollments.renew(Optional.of(managerCert), csr(h1)),
        ErrorCode.PERMISSION_DENIED,
        "only a host");

    AgentTrust trust = new AgentTrust(ca, store, null, hosts::list, clock);
    trust.refresh();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatCode(
                        () -> trust.check(h1.getEndpoint(), PeerIdentity.host(h1.getId()), third))
                    .as("the current certificate, dialed at its host's endpoint")
                    .doesNotThrowAnyException());

    hosts.remove("esx1");
    assertThat(store.hostCert(h1.getId())).isEmpty();
    assertRefused(
        () -> enrollments.renew(Optional.of(third), csr(h1)),
        ErrorCode.PERMISSION_DENIED,
        "revoked");
    trust.refresh();
    // No host is registered at its endpoint any more (as for a recovery seed): the revocation alone
    // refuses it.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(
                        () -> trust.check(h1.getEndpoint(), PeerIdentity.host(h1.getId()), third))
                    .isInstanceOf(java.security.cert.CertificateException.class)
                    .hasMessageContaining("is revoked"));
  }

  private byte[] csr(Host h) {
    return Csrs.create(Csrs.newKeyPair(), PeerIdentity.host(h.getId()));
  }

  private static X509Certificate cert(byte[] der) {
    try {
      return Certificates.fromDer(der);
    } catch (java.security.cert.CertificateException e) {
      throw new AssertionError(e);
    }
  }

  private static void assertRefused(Runnable call, ErrorCode code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(code);
              assertThat(e.getMessage()).contains(message);
            });
  }
}
