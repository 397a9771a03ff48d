package io.switchplane.rpc.tls;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * The client side of the manager's operator API: TLS that accepts a server only when its
 * certificate is a manager-role certificate of the cluster CA (no host name check: the CA issues
 * manager certificates to managers only, whatever address they are reached at), and optionally
 * presents an operator's certificate.
 */
public final class OperatorTls {
  private OperatorTls() {}

  /** Credentials trusting ca, presenting clientCertificate when there is one. */
  public static ChannelCredentials client(
      X509Certificate ca, Optional<TlsIdentity> clientCertificate) {
    TlsChannelCredentials.Builder b =
        TlsChannelCredentials.newBuilder()
            .trustManager(PeerTrust.of(ca, PeerTrust.role(PeerIdentity.Role.MANAGER)));
    clientCertificate.ifPresent(id -> b.keyManager(new SwappableKeyManager(id)));
    return b.build();
  }
}
