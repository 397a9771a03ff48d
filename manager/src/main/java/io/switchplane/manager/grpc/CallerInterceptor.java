package io.switchplane.manager.grpc;

import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.switchplane.api.v1.OperatorUser;
import io.switchplane.api.v1.Role;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.auth.Tokens;
import io.switchplane.manager.store.UserStore;
import io.switchplane.rpc.metrics.Metrics;
import io.switchplane.rpc.tls.CertificateAuthority;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.PeerIdentity;
import io.switchplane.rpc.tls.TlsPeer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out who is calling and puts the {@link Caller} into the call's context: the operator a
 * verified TLS client certificate names (it wins over a token), else the operator whose bearer
 * token the {@code authorization} header carries, or, while the manager has no operators, an
 * anonymous admin; the address the call came from; and the operator's comment, sent in the {@value
 * #COMMENT_HEADER} header (UTF-8) by {@code switchplane --comment}; and the client's id of its
 * command, in the {@code switchplane-request-id} header ({@link Caller#REQUEST_ID}). Refusals:
 * UNAUTHENTICATED without a token, with one no operator holds, or with a certificate naming no
 * current operator (counted in {@code switchplane_manager_auth_failures_total} and logged in one
 * line); INVALID_ARGUMENT for a comment over {@link Caller#MAX_COMMENT} characters or not UTF-8,
 * and for a malformed request id. What the caller may do is {@link AccessInterceptor}'s concern.
 */
public final class CallerInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(CallerInterceptor.class);

  /** The comment header; binary, so that any language fits. */
  public static final String COMMENT_HEADER = "switchplane-comment-bin";

  public static final Metadata.Key<byte[]> COMMENT =
      Metadata.Key.of(COMMENT_HEADER, Metadata.BINARY_BYTE_MARSHALLER);
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  public static final Metadata.Key<String> REQUEST_ID =
      Metadata.Key.of("switchplane-request-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  /** The principal of every caller while the manager has no operators. */
  public static final String ANONYMOUS = "anonymous";

  private final UserStore users;
  private final Counter failures;

  public CallerInterceptor(UserStore users, Metrics metrics) {
    this.users = users;
    this.failures =
        metrics.counter(
            "switchplane_manager_auth_failures_total",
            "Calls refused as unauthenticated, by reason",
            "reason");
    for (String reason : new String[] {"certificate", "missing", "malformed", "unknown"}) {
      failures.initLabelValues(reason);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String address = address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    byte[] raw = headers.get(COMMENT);
    String comment = raw == null ? "" : new String(raw, StandardCharsets.UTF_8);
    if (raw != null
        && (!Arrays.equals(comment.getBytes(StandardCharsets.UTF_8), raw)
            || comment.codePointCount(0, comment.length()) > Caller.MAX_COMMENT)) {
      return refuse(
          call,
          Status.INVALID_ARGUMENT.withDescription(
              "the comment must be UTF-8 text of at most " + Caller.MAX_COMMENT + " characters"));
    }
    String requestId = headers.get(REQUEST_ID);
    if (requestId == null) {
      requestId = "";
    } else if (!Caller.REQUEST_ID.matcher(requestId).matches()) {
      return refuse(
          call,
          Status.INVALID_ARGUMENT.withDescription(
              "the request id must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"));
    }
    String authorization = headers.get(AUTHORIZATION);
    Optional<X509Certificate> certificate = TlsPeer.of(call);
    Caller caller;
    if (certificate.isPresent()) {
      Optional<OperatorUser> user = byCertificate(certificate.get());
      if (user.isEmpty()) {
        failures.labelValues("certificate").inc();
        LOG.info(
            "refused {} from {}: certificate {} of {} names no current operator",
            call.getMethodDescriptor().getFullMethodName(),
            address,
            Certificates.serial(certificate.get()),
            certificate.get().getSubjectX500Principal());
        return refuse(
            call,
            Status.UNAUTHENTICATED.withDescription(
                "the client certificate names no operator of this "
                    + "manager (the user was removed, or added again after the certificate was issued: an admin issues a new "
                    + "one with 'switchplane user cert')"));
      }
      OperatorUser u = user.get();
      caller =
          new Caller(u.getName(), u.getRole(), u.getDvsScopeList(), address, comment, requestId);
    } else if (authorization == null && !users.anyUser()) {
      caller = new Caller(ANONYMOUS, Role.ROLE_ADMIN, List.of(), address, comment, requestId);
    } else {
      Optional<OperatorUser> user = Optional.empty();
      String reason;
      if (authorization == null) {
        reason = "missing";
      } else if (!authorization.startsWith(BEARER)) {
        reason = "malformed";
      } else {
        user = users.byTokenHash(Tokens.hash(authorization.substring(BEARER.length()).trim()));
        reason = "unknown";
      }
      if (user.isEmpty()) {
        failures.labelValues(reason).inc();
        LOG.info(
            "refused {} from {}: {} token",
            call.getMethodDescriptor().getFullMethodName(),
            address,
            reason);
        return refuse(
            call,
            Status.UNAUTHENTICATED.withDescription(
                switch (reason) {
                  case "missing" ->
                      "this manager needs a token: 'switchplane login --token TOKEN' (an admin makes one"
                          + " with 'switchplane user add')";
                  case "malformed" -> "the authorization header must be 'Bearer TOKEN'";
                  default -> "no operator holds this token (removed, or from another cluster)";
                }));
      }
      OperatorUser u = user.get();
      caller =
          new Caller(u.getName(), u.getRole(), u.getDvsScopeList(), address, comment, requestId);
    }
    return Contexts.interceptCall(caller.attach(io.grpc.Context.current()), call, headers, next);
  }

  /**
   * The operator a client certificate names (the handshake verified it against the cluster CA). A
   * certificate issued before the user was added belongs to an earlier user of that name (compared
   * in whole seconds: a certificate's times have no finer resolution).
   */
  private Optional<OperatorUser> byCertificate(X509Certificate cert) {
    return PeerIdentity.of(cert)
        .filter(who -> who.role() == PeerIdentity.Role.USER)
        .flatMap(who -> users.byName(who.name()))
        .filter(
            u ->
                (cert.getNotBefore().getTime() + CertificateAuthority.BACKDATE.toMillis()) / 1000
                    >= u.getCreatedUnixMs() / 1000);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private static String address(SocketAddress a) {
    if (a instanceof InetSocketAddress inet) {
      String host =
          inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return a == null ? "" : a.toString();
  }
}
