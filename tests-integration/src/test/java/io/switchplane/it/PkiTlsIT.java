package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.tls.AgentTlsFiles;
import io.switchplane.agent.tls.EnrollmentClient;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.AddUserRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.GetCaRequest;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.InitCaRequest;
import io.switchplane.api.v1.IssueUserCertificateRequest;
import io.switchplane.api.v1.ListSwitchesRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PkiServiceGrpc;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RemoveHostRequest;
import io.switchplane.api.v1.RemoveUserRequest;
import io.switchplane.api.v1.Role;
import io.switchplane.api.v1.UpdateDvsRequest;
import io.switchplane.api.v1.UserServiceGrpc;
import io.switchplane.api.v1.WhoAmIRequest;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.agents.AgentChannels;
import io.switchplane.rpc.tls.CertificateAuthority;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Csrs;
import io.switchplane.rpc.tls.OperatorTls;
import io.switchplane.rpc.tls.PeerIdentity;
import io.switchplane.rpc.tls.PeerTrust;
import io.switchplane.rpc.tls.SwappableKeyManager;
import io.switchplane.rpc.tls.TlsIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster PKI with real TLS over real loopback sockets: a manager and agents in this JVM,
 * agents enrolled through the manager's agent port, every refusal seen on the wire.
 */
class PkiTlsIT {
  @TempDir Path dir;
  private SwitchplaneManager manager;
  private ManagedChannel operator;
  private ManagerServiceBlockingStub api;
  private final List<HostAgent> agents = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<AgentChannels> agentChannels = new ArrayList<>();

  private void startManager(String dataDir, Duration certLifetime) {
    manager =
        new SwitchplaneManager(
                ManagerConfig.local(dir.resolve(dataDir)).withCertLifetime(certLifetime))
            .start();
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    operator =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    api = ManagerServiceGrpc.newBlockingStub(operator).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @BeforeEach
  void setUp() {
    startManager("manager", Duration.ofDays(30));
  }

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    agentChannels.forEach(AgentChannels::close);
    agents.forEach(HostAgent::close);
    if (operator != null) {
      operator.shutdownNow();
    }
    if (manager != null) {
      manager.close();
    }
  }

  private PkiServiceGrpc.PkiServiceBlockingStub pki() {
    return PkiServiceGrpc.newBlockingStub(operator).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /**
   * Registers a host at a free loopback port, enrolls its data dir with a token, starts its agent.
   */
  private HostAgent enrolledAgent(String name) throws IOException {
    int port = freePort();
    Path data = dir.resolve(name);
    api.registerHost(
        RegisterHostRequest.newBuilder().setName(name).setEndpoint("127.0.0.1:" + port).build());
    enroll(name, data);
    return start(new AgentConfig("127.0.0.1", port, data, "memory", "", name, null, null, false));
  }

  private TlsIdentity enroll(String host, Path data) throws IOException {
    String token =
        pki()
            .createEnrollToken(
                io.switchplane.api.v1.CreateEnrollTokenRequest.newBuilder().setHost(host).build())
            .getToken();
    TlsIdentity id = EnrollmentClient.enroll(manager.agentEndpoint(), token);
    new AgentTlsFiles(data).save(id, manager.agentEndpoint());
    return id;
  }

  private HostAgent start(AgentConfig config) throws IOException {
    HostAgent agent = new HostAgent(config);
    agents.add(agent);
    agent.start();
    return agent;
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Calls the agent at endpoint with creds; the failure's status, or OK. */
  private Status.Code callAgent(String endpoint, ChannelCredentials creds) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(endpoint, creds).build();
    channels.add(ch);
    try {
      HostAgentServiceGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listSwitches(ListSwitchesRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private ChannelCredentials clientCreds(TlsIdentity identity, X509Certificate trustedCa) {
    return TlsChannelCredentials.newBuilder()
        .keyManager(new SwappableKeyManager(identity))
        .trustManager(PeerTrust.of(trustedCa, PeerTrust.role(PeerIdentity.Role.HOST)))
        .build();
  }

  private X509Certificate clusterCa() {
    return manager.clusterCa().certificate().orElseThrow();
  }

  private TlsIdentity issued(PeerIdentity who, Clock clock, Duration lifetime) {
    KeyPair keys = Csrs.newKeyPair();
    CertificateAuthority ca = manager.clusterCa().signer();
    return new TlsIdentity(
        keys.getPrivate(),
        List.of(ca.issue(keys.getPublic(), who, lifetime, clock), ca.certificate()));
  }

  private static TlsIdentity selfSigned(PeerIdentity who) {
    CertificateAuthority own =
        CertificateAuthority.create("self", Duration.ofDays(1), Clock.systemUTC());
    KeyPair keys = Csrs.newKeyPair();
    return new TlsIdentity(
        keys.getPrivate(),
        List.of(
            own.issue(keys.getPublic(), who, Duration.ofDays(1), Clock.systemUTC()),
            own.certificate()));
  }

  @Test
  void pkiInitIsRefusedTheSecondTimeAndShowNamesTheCa() {
    var first = pki().getCa(GetCaRequest.getDefaultInstance()).getCa();
    assertThatThrownBy(() -> pki().initCa(InitCaRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    var after = pki().getCa(GetCaRequest.getDefaultInstance()).getCa();
    assertThat(after).isEqualTo(first);
    assertThat(after.getSha256Fingerprint()).isEqualTo(Certificates.fingerprint(clusterCa()));
    assertThat(after.getSubject()).isEqualTo("CN=Switchplane cluster CA");
  }

  /** The status of WhoAmI over creds, with its principal when it succeeds ("OK alice"). */
  private String whoAmI(ChannelCredentials creds) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(manager.endpoint(), creds).build();
    channels.add(ch);
    try {
      return "OK "
          + UserServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .whoAmI(WhoAmIRequest.getDefaultInstance())
              .getPrincipal();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + " " + e.getStatus().getDescription();
    }
  }

  private ChannelCredentials operatorCreds(TlsIdentity identity) {
    return OperatorTls.client(clusterCa(), Optional.ofNullable(identity));
  }

  private long handshakeFailures() {
    return manager
        .pushEngine()
        .metrics()
        .render()
        .lines()
        .filter(
            l ->
                l.startsWith("switchplane_manager_tls_handshake_failures_total{port=\"operator\"}"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void theOperatorApiServesTlsOnlyAndRefusesEveryWrongPeerAtTheHandshake() {
    // The manager made the CA itself at start, and serves its certificate of that CA.
    assertThat(whoAmI(operatorCreds(null))).isEqualTo("OK anonymous");
    assertThat(manager.caFile()).content().isEqualTo(Certificates.toPem(clusterCa()));

    long before = handshakeFailures();
    assertThat(whoAmI(io.grpc.InsecureChannelCredentials.create()))
        .as("a plaintext client")
        .startsWith("UNAVAILABLE");
    CertificateAuthority otherCa =
        CertificateAuthority.create("other", Duration.ofDays(1), Clock.systemUTC());
    assertThat(whoAmI(OperatorTls.client(otherCa.certificate(), Optional.empty())))
        .as("a client trusting another CA")
        .startsWith("UNAVAILABLE");
    assertThat(whoAmI(operatorCreds(selfSigned(PeerIdentity.user("alice")))))
        .as("a user certificate of another CA")
        .startsWith("UNAVAILABLE");
    CertificateAuthority selfCa =
        CertificateAuthority.create("alice", Duration.ofDays(1), Clock.systemUTC());
    assertThat(
            whoAmI(
                operatorCreds(new TlsIdentity(selfCa.privateKey(), List.of(selfCa.certificate())))))
        .as("a self-signed certificate")
        .startsWith("UNAVAILABLE");
    Clock longAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(40)), ZoneOffset.UTC);
    assertThat(
            whoAmI(operatorCreds(issued(PeerIdentity.user("alice"), longAgo, Duration.ofDays(30)))))
        .as("an expired user certificate of the cluster CA")
        .startsWith("UNAVAILABLE");
    assertThat(
            whoAmI(
                operatorCreds(
                    issued(PeerIdentity.host("h"), Clock.systemUTC(), Duration.ofDays(1)))))
        .as("a host certificate")
        .startsWith("UNAVAILABLE");
    // Each refusal was a connection that never got past its handshake, counted on the operator
    // port.
    await().atMost(Duration.ofSeconds(10)).until(() -> handshakeFailures() - before >= 6);
  }

  @Test
  void anOperatorCertificateAuthenticatesAsItsUserUntilTheUserIsRemoved() {
    UserServiceGrpc.UserServiceBlockingStub users =
        UserServiceGrpc.newBlockingStub(operator).withDeadlineAfter(30, TimeUnit.SECONDS);
    String adminToken =
        users
            .addUser(AddUserRequest.newBuilder().setName("root").setRole(Role.ROLE_ADMIN).build())
            .getToken();
    PkiServiceGrpc.PkiServiceBlockingStub asAdmin = pki().withCallCredentials(bearer(adminToken));
    UserServiceGrpc.UserServiceBlockingStub usersAsAdmin =
        users.withCallCredentials(bearer(adminToken));
    usersAsAdmin.addUser(
        AddUserRequest.newBuilder().setName("vera").setRole(Role.ROLE_VIEWER).build());

    KeyPair keys = Csrs.newKeyPair();
    byte[] csr = Csrs.create(keys, PeerIdentity.user("vera"));
    assertThat(
            code(
                () ->
                    pki()
                        .issueUserCertificate(
                            IssueUserCertificateRequest.newBuilder()
                                .setUser("vera")
                                .setCsrDer(ByteString.copyFrom(csr))
                                .build())))
        .as("no token")
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(
            code(
                () ->
                    asAdmin.issueUserCertificate(
                        IssueUserCertificateRequest.newBuilder()
                            .setUser("root")
                            .setCsrDer(ByteString.copyFrom(csr))
                            .build())))
        .as("a CSR naming another user")
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            code(
                () ->
                    asAdmin.issueUserCertificate(
                        IssueUserCertificateRequest.newBuilder()
                            .setUser("vera")
                            .setCsrDer(ByteString.copyFromUtf8("not a CSR"))
                            .build())))
        .as("a malformed CSR")
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            code(
                () ->
                    asAdmin.issueUserCertificate(
                        IssueUserCertificateRequest.newBuilder()
                            .setUser("nobody")
                            .setCsrDer(
                                ByteString.copyFrom(Csrs.create(keys, PeerIdentity.user("nobody"))))
                            .build())))
        .as("an unknown user")
        .isEqualTo(Status.Code.NOT_FOUND);
    var issued =
        asAdmin.issueUserCertificate(
            IssueUserCertificateRequest.newBuilder()
                .setUser("vera")
                .setCsrDer(ByteString.copyFrom(csr))
                .build());
    TlsIdentity vera;
    try {
      vera =
          new TlsIdentity(
              keys.getPrivate(),
              List.of(
                  Certificates.fromDer(issued.getCertificateDer().toByteArray()),
                  Certificates.fromDer(issued.getCaCertificateDer().toByteArray())));
    } catch (java.security.cert.CertificateException e) {
      throw new AssertionError(e);
    }

    assertThat(whoAmI(operatorCreds(vera))).isEqualTo("OK vera");
    ManagedChannel asVera =
        NettyChannelBuilder.forTarget(manager.endpoint(), operatorCreds(vera)).build();
    channels.add(asVera);
    assertThatThrownBy(
            () ->
                ManagerServiceGrpc.newBlockingStub(asVera)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .createDvs(CreateDvsRequest.newBuilder().setName("d").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("vera is viewer");
            });
    assertThat(
            whoAmI(
                operatorCreds(
                    issued(PeerIdentity.user("ghost"), Clock.systemUTC(), Duration.ofDays(1)))))
        .as("a certificate naming no user")
        .startsWith("UNAUTHENTICATED")
        .contains("names no operator");

    // Removed, then added again under the same name: the old certificate was the earlier user's (a
    // certificate's times are whole seconds, so the new user comes in a later second than the
    // certificate).
    usersAsAdmin.removeUser(RemoveUserRequest.newBuilder().setName("vera").build());
    assertThat(whoAmI(operatorCreds(vera))).startsWith("UNAUTHENTICATED");
    long issuedSecond =
        vera.leaf().getNotBefore().getTime() / 1000 + CertificateAuthority.BACKDATE.toSeconds();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> System.currentTimeMillis() / 1000 > issuedSecond);
    usersAsAdmin.addUser(
        AddUserRequest.newBuilder().setName("vera").setRole(Role.ROLE_ADMIN).build());
    assertThat(whoAmI(operatorCreds(vera)))
        .as("a certificate older than the user")
        .startsWith("UNAUTHENTICATED");
  }

  @Test
  void plaintextIsRefusedOffLoopback() {
    assertThatThrownBy(
            () ->
                new SwitchplaneManager(
                        ManagerConfig.local(dir.resolve("wide"))
                            .withBindHost("0.0.0.0")
                            .withInsecurePlaintext(true))
                    .start())
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
              assertThat(e.getMessage())
                  .contains(
                      "--insecure-plaintext is refused on '0.0.0.0'", "loopback address only");
            });
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static io.grpc.CallCredentials bearer(String token) {
    return new io.grpc.CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo info, java.util.concurrent.Executor executor, MetadataApplier apply) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(
            io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + token);
        apply.apply(headers);
      }
    };
  }

  @Test
  void anEnrolledAgentKeepsItsKeyPrivateServesOnlyMutualTlsAndOnlyToManagers() throws Exception {
    HostAgent agent = enrolledAgent("esx1");
    Path tls = dir.resolve("esx1").resolve("tls");
    for (String f : List.of("host.key", "host.crt", "ca.crt")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve(f))))
          .as(f)
          .isEqualTo("rw-------");
    }
    String hostId =
        api.listHosts(io.switchplane.api.v1.ListHostsRequest.getDefaultInstance())
            .getHosts(0)
            .getId();
    assertThat(PeerIdentity.of(agent.certificate().orElseThrow()))
        .contains(PeerIdentity.host(hostId));

    // The manager's own certificate is accepted.
    AgentChannels asManager = new AgentChannels(manager.agentSecurity());
    agentChannels.add(asManager);
    HostAgentServiceGrpc.newBlockingStub(asManager.channel(agent.endpoint()))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listSwitches(ListSwitchesRequest.getDefaultInstance());

    // Everyone else is refused at the handshake.
    ManagedChannel plain = NettyChannelBuilder.forTarget(agent.endpoint()).usePlaintext().build();
    channels.add(plain);
    assertThatThrownBy(
            () ->
                HostAgentServiceGrpc.newBlockingStub(plain)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listSwitches(ListSwitchesRequest.getDefaultInstance()))
        .as("a plaintext caller")
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(
            callAgent(
                agent.endpoint(),
                TlsChannelCredentials.newBuilder()
                    .trustManager(PeerTrust.of(clusterCa(), PeerTrust.role(PeerIdentity.Role.HOST)))
                    .build()))
        .as("no client certificate")
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(
            callAgent(
                agent.endpoint(), clientCreds(selfSigned(PeerIdentity.manager("m")), clusterCa())))
        .as("a manager certificate of another CA")
        .isEqualTo(Status.Code.UNAVAILABLE);
    CertificateAuthority selfCa =
        CertificateAuthority.create("m", Duration.ofDays(1), Clock.systemUTC());
    assertThat(
            callAgent(
                agent.endpoint(),
                clientCreds(
                    new TlsIdentity(selfCa.privateKey(), List.of(selfCa.certificate())),
                    clusterCa())))
        .as("a self-signed certificate")
        .isEqualTo(Status.Code.UNAVAILABLE);
    Clock longAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(40)), ZoneOffset.UTC);
    assertThat(
            callAgent(
                agent.endpoint(),
                clientCreds(
                    issued(PeerIdentity.manager("m"), longAgo, Duration.ofDays(30)), clusterCa())))
        .as("an expired manager certificate of the cluster CA")
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(
            callAgent(
                agent.endpoint(),
                clientCreds(
                    issued(PeerIdentity.host(hostId), Clock.systemUTC(), Duration.ofDays(1)),
                    clusterCa())))
        .as("a host certificate of the cluster CA")
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(
            callAgent(
                agent.endpoint(),
                clientCreds(
                    issued(PeerIdentity.manager("m2"), Clock.systemUTC(), Duration.ofDays(1)),
                    clusterCa())))
        .as("a valid manager certificate")
        .isEqualTo(Status.Code.OK);
  }

  @Test
  void theManagerRefusesAnAgentWhoseCertificateNamesAnotherHostIsExpiredOrRevoked()
      throws Exception {
    HostAgent a = enrolledAgent("esx-a");
    // Host B is registered and enrolled, but what answers at B's address holds A's certificate.
    int portB = freePort();
    api.registerHost(
        RegisterHostRequest.newBuilder()
            .setName("esx-b")
            .setEndpoint("127.0.0.1:" + portB)
            .build());
    enroll("esx-b", dir.resolve("esx-b"));
    Path impostor = dir.resolve("impostor");
    copyTree(dir.resolve("esx-a").resolve("tls"), impostor.resolve("tls"));
    HostAgent posing =
        start(
            new AgentConfig(
                "127.0.0.1", portB, impostor, "memory", "", "impostor", null, null, false));

    AgentChannels asManager = new AgentChannels(manager.agentSecurity());
    agentChannels.add(asManager);
    assertThat(listSwitches(asManager, a.endpoint())).as("A at A's address").isEqualTo("OK");
    assertThat(listSwitches(asManager, posing.endpoint()))
        .as("A's certificate at B's address")
        .startsWith("UNAVAILABLE")
        .contains("presented the certificate of host");

    // An expired certificate of the right host, of the cluster CA.
    int portC = freePort();
    String c =
        api.registerHost(
                RegisterHostRequest.newBuilder()
                    .setName("esx-c")
                    .setEndpoint("127.0.0.1:" + portC)
                    .build())
            .getHost()
            .getId();
    enroll("esx-c", dir.resolve("esx-c"));
    Clock longAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(40)), ZoneOffset.UTC);
    new AgentTlsFiles(dir.resolve("esx-c-old"))
        .save(issued(PeerIdentity.host(c), longAgo, Duration.ofDays(30)), manager.agentEndpoint());
    HostAgent expired =
        start(
            new AgentConfig(
                "127.0.0.1",
                portC,
                dir.resolve("esx-c-old"),
                "memory",
                "",
                "esx-c",
                null,
                null,
                false));
    assertThat(listSwitches(asManager, expired.endpoint()))
        .as("an expired certificate")
        .startsWith("UNAVAILABLE")
        .contains("not a valid certificate of the cluster CA");

    // Removing host A revokes its certificate: refused when dialed (at a re-registered address) and
    // for renewal.
    api.removeHost(RemoveHostRequest.newBuilder().setHost("esx-a").build());
    api.registerHost(
        RegisterHostRequest.newBuilder().setName("esx-a2").setEndpoint(a.endpoint()).build());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !listSwitches(asManager, a.endpoint()).equals("OK"));
    TlsIdentity aId = new AgentTlsFiles(dir.resolve("esx-a")).load().orElseThrow();
    assertThatThrownBy(() -> EnrollmentClient.renew(manager.agentEndpoint(), aId))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
              assertThat(e.getMessage()).contains("revoked");
            });
  }

  @Test
  void enrollmentRefusalsTravelAsPreciseStatuses() throws Exception {
    api.registerHost(
        RegisterHostRequest.newBuilder().setName("esx1").setEndpoint("127.0.0.1:7").build());
    String token =
        pki()
            .createEnrollToken(
                io.switchplane.api.v1.CreateEnrollTokenRequest.newBuilder().setHost("esx1").build())
            .getToken();
    EnrollmentClient.enroll(manager.agentEndpoint(), token);
    assertThatThrownBy(() -> EnrollmentClient.enroll(manager.agentEndpoint(), token))
        .as("a reused token")
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    // A token naming another cluster's CA: the agent does not even send it to this manager.
    String other = token.substring(0, token.lastIndexOf('.') + 1) + "0".repeat(64);
    assertThatThrownBy(() -> EnrollmentClient.enroll(manager.agentEndpoint(), other))
        .as("another cluster's token")
        .isInstanceOfSatisfying(
            SwitchplaneException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    // An agent with neither a certificate nor --insecure-plaintext does not start; plaintext only
    // on loopback.
    assertThatThrownBy(() -> start(AgentConfig.of(0, dir.resolve("bare"))))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
              assertThat(e.getMessage()).contains("--enroll");
            });
    assertThatThrownBy(
            () ->
                start(
                    new AgentConfig(
                        "0.0.0.0", 0, dir.resolve("wide"), "memory", "", "", null, null, true)))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> assertThat(e.getMessage()).contains("loopback address only"));
  }

  @Test
  void certificatesRotateUnderAContinuousStreamOfPushesWithoutAFailedPush() throws Exception {
    manager.close();
    operator.shutdownNow();
    startManager(
        "manager-short",
        Duration.ofSeconds(10)); // agents renew after ~6.7 s; the manager checks every 1 s
    HostAgent h1 = enrolledAgent("esx1");
    HostAgent h2 = enrolledAgent("esx2");
    Set<String> serials1 = new HashSet<>();
    Set<String> serials2 = new HashSet<>();
    Dvs dvs =
        api.createDvs(
                CreateDvsRequest.newBuilder()
                    .setName("dvs1")
                    .addUplinks("uplink1")
                    .setMtu(1500)
                    .build())
            .getDvs();
    for (String h : List.of("esx1", "esx2")) {
      dvs =
          api.addDvsMember(
                  AddDvsMemberRequest.newBuilder()
                      .setDvs("dvs1")
                      .setMember(
                          HostMember.newBuilder().setHostId(h).putUplinkNics("uplink1", "vmnic0"))
                      .build())
              .getDvs();
    }
    long deadline =
        System.nanoTime() + Duration.ofSeconds(16).toNanos(); // past the first certificates' end
    int pushes = 0;
    while (System.nanoTime() < deadline) {
      serials1.add(Certificates.serial(h1.certificate().orElseThrow()));
      serials2.add(Certificates.serial(h2.certificate().orElseThrow()));
      dvs =
          api.updateDvs(
                  UpdateDvsRequest.newBuilder()
                      .setDvs("dvs1")
                      .setSettings(dvs.toBuilder().setMtu(1500 + (pushes % 2)))
                      .build())
              .getDvs();
      manager.pushEngine().whenInSync(dvs.getId(), dvs.getGeneration()).get(10, TimeUnit.SECONDS);
      pushes++;
    }
    assertThat(serials1).as("esx1 renewed at least once").hasSizeGreaterThan(1);
    assertThat(serials2).as("esx2 renewed at least once").hasSizeGreaterThan(1);
    assertThat(failedPushes()).as("failed pushes over %d pushes", pushes).isZero();
    // The first certificates expired meanwhile: a new connection works, so it uses the renewed
    // ones.
    AgentChannels fresh = new AgentChannels(manager.agentSecurity());
    agentChannels.add(fresh);
    assertThat(listSwitches(fresh, h1.endpoint())).isEqualTo("OK");
    assertThat(listSwitches(fresh, h2.endpoint())).isEqualTo("OK");
    System.out.println(
        "rotation: "
            + pushes
            + " pushes, esx1 used "
            + serials1.size()
            + " certificates, esx2 "
            + serials2.size()
            + ", failed pushes 0");
  }

  private long failedPushes() {
    return manager
        .pushEngine()
        .metrics()
        .render()
        .lines()
        .filter(l -> l.startsWith("switchplane_push_failures_total{"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static String listSwitches(AgentChannels channels, String endpoint) {
    try {
      HostAgentServiceGrpc.newBlockingStub(channels.channel(endpoint))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listSwitches(ListSwitchesRequest.getDefaultInstance());
      return "OK";
    } catch (StatusRuntimeException e) {
      StringBuilder why = new StringBuilder(e.getStatus().getCode().name());
      for (Throwable t = e; t != null; t = t.getCause()) {
        why.append(": ").append(t.getMessage());
      }
      return why.toString();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }
}
