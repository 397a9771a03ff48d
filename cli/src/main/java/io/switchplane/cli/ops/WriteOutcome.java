package io.switchplane.cli.ops;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.AuditServiceGrpc.AuditServiceBlockingStub;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.ListChangesRequest;
import io.switchplane.api.v1.Role;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.auth.AccessPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What became of the command's writes: the DVS the last one named (for {@code --wait}), and a write
 * whose answer was lost: the connection broke (the manager died, a leader change, a network cut)
 * after the request was sent, so the change may have been committed or not. Every command sends a
 * request id ({@code switchplane-request-id}), which the manager keeps in the audit record of the
 * change it commits; this interceptor remembers the write whose answer was lost, and {@link
 * #explain} asks the audit log for a record of the request id, waiting a while for a manager to
 * answer, and says which it was: committed (at which generation), not committed, or not known yet
 * (with the command that finds out later).
 */
final class WriteOutcome implements ClientInterceptor {
  /** Statuses after which the request may have been carried out. */
  private static final Set<Status.Code> LOST =
      Set.of(
          Status.Code.UNAVAILABLE,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.CANCELLED,
          Status.Code.UNKNOWN,
          Status.Code.INTERNAL);

  private static final Duration ASKING = Duration.ofSeconds(20);
  private static final long PAUSE_MS = 500;

  /** A write whose answer was lost: its method and the DVS it named ("" when none). */
  record LostWrite(String method, String dvs) {}

  private final String requestId;
  private volatile LostWrite lost;

  /** The DVS the last write that got an answer named ("" when none). */
  private volatile String writtenDvs = "";

  WriteOutcome(String requestId) {
    this.requestId = requestId;
  }

  String requestId() {
    return requestId;
  }

  Optional<LostWrite> lost() {
    return Optional.ofNullable(lost);
  }

  /** The DVS of the last write that succeeded, when it named one (what --wait waits for). */
  Optional<String> writtenDvs() {
    return writtenDvs.isEmpty() ? Optional.empty() : Optional.of(writtenDvs);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    boolean write =
        AccessPolicy.required(method.getFullMethodName())
            .filter(r -> r != Role.ROLE_VIEWER)
            .isPresent();
    if (!write) {
      return next.newCall(method, options);
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      private String dvs = "";

      @Override
      public void sendMessage(Q message) {
        if (message instanceof Message m) {
          dvs = dvsOf(m);
        }
        super.sendMessage(message);
      }

      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                if (LOST.contains(status.getCode())) {
                  lost = new LostWrite(method.getFullMethodName(), dvs);
                } else if (status.isOk() && !dvs.isEmpty()) {
                  writtenDvs = dvs;
                }
                super.onClose(status, trailers);
              }
            },
            headers);
      }
    };
  }

  private static String dvsOf(Message m) {
    for (String name : List.of("dvs", "dvs_id")) {
      FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
      if (f != null && f.getType() == FieldDescriptor.Type.STRING && !f.isRepeated()) {
        return (String) m.getField(f);
      }
    }
    return "";
  }

  /**
   * The failure to report for a write whose answer was lost with failure: the same status when the
   * change is known not to have been committed or cannot be known; empty when it was committed,
   * after printing so. audit: the audit log, on a channel that reconnects.
   */
  Optional<SwitchplaneException> explain(
      LostWrite write, StatusRuntimeException failure, Supplier<AuditServiceBlockingStub> audit) {
    String what =
        "the connection broke during "
            + shortName(write.method())
            + " ("
            + failure.getStatus().getCode()
            + describe(failure.getStatus())
            + ")";
    if (write.dvs().isEmpty()) {
      return Optional.of(
          new SwitchplaneException(
              ErrorCode.UNAVAILABLE,
              what + "; whether it was carried out is not known: look before running it again"));
    }
    long until = System.nanoTime() + ASKING.toNanos();
    StatusRuntimeException last = failure;
    while (System.nanoTime() < until) {
      try {
        List<ChangeRecord> found =
            audit
                .get()
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .listChanges(
                    ListChangesRequest.newBuilder()
                        .setDvs(write.dvs())
                        .setRequestId(requestId)
                        .build())
                .getRecordsList();
        if (found.isEmpty()) {
          return Optional.of(
              new SwitchplaneException(
                  ErrorCode.ABORTED,
                  what
                      + "; it was NOT committed (DVS "
                      + write.dvs()
                      + " has no change of request "
                      + requestId
                      + "): run it again"));
        }
        ChangeRecord c = found.get(0);
        System.out.println(
            what
                + ", but the change was committed: DVS "
                + c.getDvsName()
                + " generation "
                + c.getGeneration()
                + " ('switchplane log show "
                + c.getDvsName()
                + " "
                + c.getGeneration()
                + "')");
        return Optional.empty();
      } catch (StatusRuntimeException e) {
        last = e;
        if (!LOST.contains(e.getStatus().getCode())) {
          break; // the manager answers, but not this question (e.g. the DVS was deleted)
        }
      }
      try {
        Thread.sleep(PAUSE_MS); // a manager is coming back or taking over; ask again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return Optional.of(
        new SwitchplaneException(
            ErrorCode.UNAVAILABLE,
            what
                + "; whether it was committed is not"
                + " known yet ("
                + last.getStatus().getCode()
                + " when asking): once a manager answers, 'switchplane log "
                + write.dvs()
                + " --request "
                + requestId
                + "' lists the change if it was"));
  }

  private static String shortName(String fullMethod) {
    return fullMethod.substring(fullMethod.indexOf('/') + 1);
  }

  private static String describe(Status s) {
    return s.getDescription() == null ? "" : ": " + s.getDescription();
  }
}
