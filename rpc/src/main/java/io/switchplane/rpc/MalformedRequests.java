package io.switchplane.rpc;

import com.google.protobuf.Message;
import io.grpc.BindableService;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.switchplane.common.error.StatusMapping;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Answers a request that is not a valid protobuf of its method's type (truncated, flipped bytes, a
 * string that is not UTF-8) with INVALID_ARGUMENT, and one that breaks {@link RequestLimits} with
 * its refusal, before the service sees either. gRPC parses the request before any interceptor or
 * service sees it, and a parse failure ends the call there as UNKNOWN "Application error processing
 * RPC" (whatever status the marshaller throws): so the parse is moved into the call, where a
 * failure can be answered as what it is.
 */
public final class MalformedRequests {
  /** Characters of the parser's complaint quoted in the refusal. */
  private static final int MAX_REASON = 200;

  private MalformedRequests() {}

  /** service, with every method refusing a malformed request as INVALID_ARGUMENT. */
  public static ServerServiceDefinition refused(BindableService service) {
    ServerServiceDefinition definition = service.bindService();
    ServiceDescriptor original = definition.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
      ServerMethodDefinition<?, ?> wrapped = wrap(method);
      methods.add(wrapped);
      descriptor.addMethod(wrapped.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(out::addMethod);
    return out.build();
  }

  private static <Q, R> ServerMethodDefinition<Object, R> wrap(
      ServerMethodDefinition<Q, R> definition) {
    MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
    MethodDescriptor<Object, R> lenient =
        method.toBuilder(new Lenient<>(method), method.getResponseMarshaller()).build();
    return ServerMethodDefinition.create(
        lenient, new Handler<>(method, definition.getServerCallHandler()));
  }

  /** What {@link Lenient} returns for a request that does not parse or breaks the limits. */
  private record Refused(Status status) {}

  /**
   * The method's marshaller, except that a request that does not parse becomes a {@link Refused}.
   */
  private static final class Lenient<Q> implements MethodDescriptor.Marshaller<Object> {
    private final MethodDescriptor<Q, ?> method;

    Lenient(MethodDescriptor<Q, ?> method) {
      this.method = method;
    }

    @Override
    @SuppressWarnings("unchecked")
    public InputStream stream(Object value) {
      return method.streamRequest((Q) value);
    }

    @Override
    public Object parse(InputStream stream) {
      Q request;
      try {
        request = method.parseRequest(stream);
      } catch (RuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String reason = String.valueOf(cause.getMessage());
        return new Refused(
            Status.INVALID_ARGUMENT.withDescription(
                StatusMapping.bounded(
                    "malformed request: not a valid "
                        + requestType(method)
                        + " ("
                        + (reason.length() > MAX_REASON
                            ? reason.substring(0, MAX_REASON) + "..."
                            : reason)
                        + ")")));
      }
      if (request instanceof Message m) {
        Optional<Status> refusal = RequestLimits.violation(m);
        if (refusal.isPresent()) {
          return new Refused(refusal.get());
        }
      }
      return request;
    }
  }

  /** Runs the method's own handler, after refusing a {@link Refused} request itself. */
  private static final class Handler<Q, R> implements ServerCallHandler<Object, R> {
    private final MethodDescriptor<Q, R> method;
    private final ServerCallHandler<Q, R> next;

    Handler(MethodDescriptor<Q, R> method, ServerCallHandler<Q, R> next) {
      this.method = method;
      this.next = next;
    }

    @Override
    public ServerCall.Listener<Object> startCall(ServerCall<Object, R> call, Metadata headers) {
      ServerCall.Listener<Q> listener = next.startCall(new Typed<>(call, method), headers);
      return new ServerCall.Listener<>() {
        private boolean refused;

        @Override
        @SuppressWarnings("unchecked")
        public void onMessage(Object message) {
          if (message instanceof Refused r) {
            refused = true;
            call.close(r.status(), new Metadata());
          } else if (!refused) {
            listener.onMessage((Q) message);
          }
        }

        @Override
        public void onHalfClose() {
          if (!refused) { // the service would answer a request it never got, on a closed call
            listener.onHalfClose();
          }
        }

        @Override
        public void onCancel() {
          listener.onCancel();
        }

        @Override
        public void onComplete() {
          listener.onComplete();
        }

        @Override
        public void onReady() {
          if (!refused) {
            listener.onReady();
          }
        }
      };
    }
  }

  private static String requestType(MethodDescriptor<?, ?> method) {
    String name = method.getBareMethodName();
    return (name == null ? method.getFullMethodName() : name) + " request";
  }

  /** The call as the method's own handler sees it: its original descriptor, typed requests. */
  private static final class Typed<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final MethodDescriptor<Q, R> method;

    @SuppressWarnings({"unchecked", "rawtypes"})
    Typed(ServerCall<Object, R> call, MethodDescriptor<Q, R> method) {
      super(
          (ServerCall)
              call); // only getMethodDescriptor exposes the request type, and it is overridden
      this.method = method;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }
  }
}
