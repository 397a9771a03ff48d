package io.switchplane.rpc;

import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.switchplane.rpc.metrics.Metrics;

/**
 * Counts the calls a server answered INTERNAL or UNKNOWN, by method, in {@code
 * PREFIX_grpc_server_errors_total}. Every refusal has a code of its own, so each count is a bug to
 * look at. A stream tracer rather than an interceptor: it also sees the statuses gRPC answers
 * itself, before any interceptor runs (a request it cannot hand to the service, an exception thrown
 * out of a listener).
 */
public final class ServerErrorCounter extends ServerStreamTracer.Factory {
  private final Counter errors;

  /**
   * prefix: the server's metric prefix, {@code switchplane_manager} or {@code switchplane_agent}.
   */
  public ServerErrorCounter(Metrics metrics, String prefix) {
    this.errors =
        metrics.counter(
            prefix + "_grpc_server_errors_total",
            "Calls answered INTERNAL or UNKNOWN, by method; each one is a bug (refusals have codes of their own).",
            "method");
  }

  /** Starts the count of every method of services at zero, so that each series is there. */
  public ServerErrorCounter counting(Iterable<ServerServiceDefinition> services) {
    for (ServerServiceDefinition service : services) {
      for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
        errors.initLabelValues(method.getMethodDescriptor().getFullMethodName());
      }
    }
    return this;
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new ServerStreamTracer() {
      @Override
      public void streamClosed(Status status) {
        if (status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN) {
          errors.labelValues(fullMethodName).inc();
        }
      }
    };
  }
}
