package io.switchplane.it;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.switchplane.agent.tls.AgentTlsFiles;
import io.switchplane.agent.tls.EnrollmentClient;
import io.switchplane.api.v1.CreateEnrollTokenRequest;
import io.switchplane.api.v1.PkiServiceGrpc;
import io.switchplane.manager.pki.ClusterCa;
import io.switchplane.manager.secrets.SecretBox;
import io.switchplane.manager.store.PkiStore;
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
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

/**
 * The PKI steps of system tests whose manager and agents run as processes: trust the CA the manager
 * made (for the operator API), enroll an agent's data dir as `switchplane agent --enroll` does,
 * and, for calls the test makes to agents out of band, a manager-role certificate signed with the
 * cluster CA (read from the test's ZooKeeper and unsealed with the manager's key file, as a second
 * manager would).
 */
final class TestPki {
  private TestPki() {}

  /**
   * How the test reaches a manager process's operator API: TLS trusting the CA it wrote to
   * DATA/ca.pem.
   */
  static ChannelCredentials operatorCredentials(Path managerDataDir) throws IOException {
    try {
      return OperatorTls.client(
          Certificates.fromPem(Files.readString(managerDataDir.resolve("ca.pem"))).get(0),
          Optional.empty());
    } catch (java.security.cert.CertificateException e) {
      throw new IOException("no CA certificate in " + managerDataDir.resolve("ca.pem"), e);
    }
  }

  /**
   * A token for host from the manager, then the enrollment itself over the manager's agent port.
   */
  static void enroll(ManagedChannel operator, String host, String managerAgentPort, Path agentData)
      throws IOException {
    String token =
        PkiServiceGrpc.newBlockingStub(operator)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .createEnrollToken(CreateEnrollTokenRequest.newBuilder().setHost(host).build())
            .getToken();
    new AgentTlsFiles(agentData)
        .save(EnrollmentClient.enroll(managerAgentPort, token), managerAgentPort);
  }

  /** Credentials of a manager-role certificate named name, for out-of-band calls to agents. */
  static ChannelCredentials managerCredentials(String zookeeper, Path managerKeyFile, String name) {
    try (CuratorFramework client =
            CuratorFrameworkFactory.newClient(zookeeper, new RetryOneTime(200));
        PkiStore store = new PkiStore(client)) {
      client.start();
      CertificateAuthority ca =
          new ClusterCa(store, new SecretBox(managerKeyFile), Clock.systemUTC()).signer();
      KeyPair keys = Csrs.newKeyPair();
      TlsIdentity id =
          new TlsIdentity(
              keys.getPrivate(),
              List.of(
                  ca.issue(
                      keys.getPublic(),
                      PeerIdentity.manager(name),
                      Duration.ofDays(1),
                      Clock.systemUTC()),
                  ca.certificate()));
      return TlsChannelCredentials.newBuilder()
          .keyManager(new SwappableKeyManager(id))
          .trustManager(PeerTrust.of(ca.certificate(), PeerTrust.role(PeerIdentity.Role.HOST)))
          .build();
    }
  }
}
