package io.switchplane.rpc.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The TLS client certificate of the call being served, as the handshake verified it. The {@link
 * #interceptor()} puts it in the gRPC {@link Context}; services read it with {@link
 * #certificate()}. An interceptor deriving an operator's principal belongs next to it.
 */
public final class TlsPeer {
  private static final Context.Key<X509Certificate> CERTIFICATE =
      Context.key("switchplane-peer-certificate");

  private TlsPeer() {}

  /** Makes the caller's verified certificate (if it sent one) visible to the service. */
  public static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return of(call)
            .map(
                leaf ->
                    Contexts.interceptCall(
                        Context.current().withValue(CERTIFICATE, leaf), call, headers, next))
            .orElseGet(() -> next.startCall(call, headers));
      }
    };
  }

  /** The current call's verified client certificate, empty when it sent none or is not TLS. */
  public static Optional<X509Certificate> certificate() {
    return Optional.ofNullable(CERTIFICATE.get());
  }

  /**
   * The client certificate the TLS handshake of call's connection verified, empty when none or not
   * TLS.
   */
  public static Optional<X509Certificate> of(ServerCall<?, ?> call) {
    return Optional.ofNullable(leaf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
  }

  private static X509Certificate leaf(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
