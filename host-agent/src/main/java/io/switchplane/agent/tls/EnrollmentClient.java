package io.switchplane.agent.tls;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.EnrollRequest;
import io.switchplane.api.v1.EnrollResponse;
import io.switchplane.api.v1.EnrollmentServiceGrpc;
import io.switchplane.api.v1.RenewRequest;
import io.switchplane.api.v1.RenewResponse;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.Csrs;
import io.switchplane.rpc.tls.EnrollToken;
import io.switchplane.rpc.tls.PeerIdentity;
import io.switchplane.rpc.tls.PeerTrust;
import io.switchplane.rpc.tls.PinnedCaTrust;
import io.switchplane.rpc.tls.SwappableKeyManager;
import io.switchplane.rpc.tls.TlsIdentity;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The agent's calls to the manager's agent port: enrolling with a token and renewing with the
 * current certificate. The key pair is made here, on the host; only the CSR leaves it. Each call
 * opens a short-lived TLS channel that accepts only a manager-role certificate of the cluster CA
 * (pinned by the token's fingerprint before the agent has the CA certificate).
 */
public final class EnrollmentClient {
  private static final long DEADLINE_SECONDS = 15;

  private EnrollmentClient() {}

  /**
   * Enrolls: a new key, a CSR naming the token's host, the certificate back. The result is not
   * stored; the caller saves it. Failures come as the manager's status (UNAUTHENTICATED for a bad
   * token, ...), or UNAVAILABLE when the manager cannot be reached or is not of the token's CA.
   */
  public static TlsIdentity enroll(String managerEndpoint, String tokenText) {
    EnrollToken token = EnrollToken.parse(tokenText);
    KeyPair keys = Csrs.newKeyPair();
    byte[] csr = Csrs.create(keys, PeerIdentity.host(token.hostId()));
    PinnedCaTrust trust =
        new PinnedCaTrust(token.caSha256(), PeerTrust.role(PeerIdentity.Role.MANAGER));
    EnrollResponse r =
        call(
            managerEndpoint,
            TlsChannelCredentials.newBuilder().trustManager(trust).build(),
            stub ->
                stub.enroll(
                    EnrollRequest.newBuilder()
                        .setToken(token.text())
                        .setCsrDer(ByteString.copyFrom(csr))
                        .build()));
    return identity(keys, r.getCertificateDer(), r.getCaCertificateDer(), token.caSha256());
  }

  /** Renews: a new key and certificate, authenticated by the current identity. */
  public static TlsIdentity renew(String managerEndpoint, TlsIdentity current) {
    X509Certificate ca = current.chain().get(current.chain().size() - 1);
    PeerIdentity who =
        PeerIdentity.of(current.leaf())
            .orElseThrow(
                () ->
                    SwitchplaneException.precondition(
                        "the agent's certificate names no Switchplane identity"));
    KeyPair keys = Csrs.newKeyPair();
    byte[] csr = Csrs.create(keys, who);
    ChannelCredentials creds =
        TlsChannelCredentials.newBuilder()
            .keyManager(new SwappableKeyManager(current))
            .trustManager(PeerTrust.of(ca, PeerTrust.role(PeerIdentity.Role.MANAGER)))
            .build();
    RenewResponse r =
        call(
            managerEndpoint,
            creds,
            stub ->
                stub.renew(RenewRequest.newBuilder().setCsrDer(ByteString.copyFrom(csr)).build()));
    return identity(
        keys, r.getCertificateDer(), r.getCaCertificateDer(), Certificates.fingerprint(ca));
  }

  private static <T> T call(
      String endpoint,
      ChannelCredentials creds,
      Function<EnrollmentServiceGrpc.EnrollmentServiceBlockingStub, T> rpc) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint, creds).build();
    try {
      return rpc.apply(
          EnrollmentServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
    } catch (StatusRuntimeException e) {
      throw StatusMapping.fromStatus(e);
    } finally {
      channel.shutdownNow();
    }
  }

  private static TlsIdentity identity(
      KeyPair keys, ByteString certDer, ByteString caDer, String caSha256) {
    try {
      X509Certificate cert = Certificates.fromDer(certDer.toByteArray());
      X509Certificate ca = Certificates.fromDer(caDer.toByteArray());
      if (!Certificates.fingerprint(ca).equals(caSha256)) {
        throw SwitchplaneException.precondition(
            "the manager answered with another CA (sha256 %s) than expected (%s)",
            Certificates.fingerprint(ca), caSha256);
      }
      if (!cert.getPublicKey().equals(keys.getPublic())) {
        throw SwitchplaneException.precondition(
            "the manager's certificate is not for the key this agent made");
      }
      PeerTrust.of(ca, PeerTrust.role(PeerIdentity.Role.HOST))
          .verify(new X509Certificate[] {cert}, null);
      return new TlsIdentity(keys.getPrivate(), List.of(cert, ca));
    } catch (CertificateException e) {
      throw SwitchplaneException.precondition(
          "the manager's answer is not a valid certificate: %s", e.getMessage());
    }
  }
}
