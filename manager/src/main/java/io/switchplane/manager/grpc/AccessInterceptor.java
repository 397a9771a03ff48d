package io.switchplane.manager.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.switchplane.api.v1.Role;
import io.switchplane.manager.audit.Caller;
import io.switchplane.manager.auth.AccessPolicy;
import io.switchplane.rpc.metrics.Metrics;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the {@link Caller} may do: the role each method needs ({@link AccessPolicy}), and for a
 * caller scoped to some DVSes, that a call changing a switch names one of them in its request's
 * {@code dvs} field. Refusals are PERMISSION_DENIED saying what is missing, counted in {@code
 * switchplane_manager_access_denied_total}. Runs after {@link CallerInterceptor}.
 */
public final class AccessInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(AccessInterceptor.class);

  private final Function<String, Optional<String>> dvsId;
  private final Counter denied;

  /**
   * @param dvsId the id of a DVS by id or name
   */
  public AccessInterceptor(Function<String, Optional<String>> dvsId, Metrics metrics) {
    this.dvsId = dvsId;
    this.denied =
        metrics.counter(
            "switchplane_manager_access_denied_total",
            "Calls refused for want of a role or a DVS in scope, by reason",
            "reason");
    denied.initLabelValues("role");
    denied.initLabelValues("scope");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<Role> needed = AccessPolicy.required(method);
    if (needed.isEmpty()) {
      return next.startCall(call, headers);
    }
    Caller caller = Caller.current();
    if (!AccessPolicy.allows(caller.role(), needed.get())) {
      return refuse(
          call,
          "role",
          caller.principal()
              + " is "
              + AccessPolicy.label(caller.role())
              + "; "
              + method.substring(method.lastIndexOf('/') + 1)
              + " needs "
              + AccessPolicy.label(needed.get()));
    }
    if (caller.scope().isEmpty() || needed.get() == Role.ROLE_VIEWER) {
      return next.startCall(call, headers);
    }
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        String dvs = message instanceof Message m ? dvsField(m) : "";
        Optional<String> id = dvs.isEmpty() ? Optional.empty() : dvsId.apply(dvs);
        if (id.isEmpty() || !caller.scope().contains(id.get())) {
          refused = true;
          refuseNow(
              call,
              "scope",
              caller.principal()
                  + " may change only the DVSes of its scope"
                  + (dvs.isEmpty() ? "; this call names none" : ", not '" + abbreviate(dvs) + "'"));
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /** The request's DVS reference (its "dvs" or "dvs_id" string field), "" when it has none. */
  private static String dvsField(Message m) {
    for (String name : new String[] {"dvs", "dvs_id"}) {
      FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
      if (f != null && f.getJavaType() == FieldDescriptor.JavaType.STRING && !f.isRepeated()) {
        return (String) m.getField(f);
      }
    }
    return "";
  }

  private <Q, R> ServerCall.Listener<Q> refuse(
      ServerCall<Q, R> call, String reason, String message) {
    refuseNow(call, reason, message);
    return new ServerCall.Listener<>() {};
  }

  private void refuseNow(ServerCall<?, ?> call, String reason, String message) {
    denied.labelValues(reason).inc();
    LOG.info("refused {}: {}", call.getMethodDescriptor().getFullMethodName(), message);
    call.close(Status.PERMISSION_DENIED.withDescription(message), new Metadata());
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
