package io.switchplane.manager.grpc;

import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.switchplane.manager.audit.Caller;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Puts the {@link Caller} of every call into its context, for the audit log: who (anonymous
 * until operators authenticate), the address it came from, and the operator's comment, sent in
 * the {@value #COMMENT_HEADER} header (UTF-8) by `switchplane --comment`. A comment over
 * {@link Caller#MAX_COMMENT} characters or not valid UTF-8 is refused with INVALID_ARGUMENT.
 */
public final class CallerInterceptor implements ServerInterceptor {
  /** The comment header; binary, so that any language fits. */
  public static final String COMMENT_HEADER = "switchplane-comment-bin";
  public static final Metadata.Key<byte[]> COMMENT = Metadata.Key.of(COMMENT_HEADER, Metadata.BINARY_BYTE_MARSHALLER);
  private static final String ANONYMOUS = "anonymous";

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    byte[] raw = headers.get(COMMENT);
    String comment = "";
    if (raw != null) {
      comment = new String(raw, StandardCharsets.UTF_8);
      if (!java.util.Arrays.equals(comment.getBytes(StandardCharsets.UTF_8), raw)
          || comment.codePointCount(0, comment.length()) > Caller.MAX_COMMENT) {
        call.close(Status.INVALID_ARGUMENT.withDescription("the comment must be UTF-8 text of at most "
            + Caller.MAX_COMMENT + " characters"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
    }
    Caller caller = new Caller(ANONYMOUS, address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), comment);
    return Contexts.interceptCall(caller.attach(io.grpc.Context.current()), call, headers, next);
  }

  private static String address(SocketAddress a) {
    if (a instanceof InetSocketAddress inet) {
      String host = inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return a == null ? "" : a.toString();
  }
}
