package io.switchplane.manager.audit;

import io.grpc.Context;
import io.switchplane.api.v1.Role;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Who is asking, as the audit log records it and access control judges it: the principal, its role
 * and DVS scope, the address it called from, and the operator's comment for what the call changes.
 * The gRPC edge puts it into the call's {@link Context} ({@code CallerInterceptor}); the manager's
 * own writers (the VM tracker) run under a system caller. Code that records a change reads {@link
 * #current()}.
 *
 * @param principal who (an operator's name; "anonymous" while the manager has no operators;
 *     "system:..." for the manager itself)
 * @param role what it may do
 * @param scope ids of the DVSes its changes may touch; empty: all
 * @param address host:port the call came from ("" for the manager itself)
 * @param comment the operator's comment, "" when none was given
 * @param requestId the client's id of the command making the call ("" when none), kept with the
 *     change it commits so that a client that lost its connection can ask whether its change was
 *     committed
 */
public record Caller(
    String principal,
    Role role,
    List<String> scope,
    String address,
    String comment,
    String requestId) {
  /** The most characters a comment may have. */
  public static final int MAX_COMMENT = 1_000;

  /** What a request id may be: a UUID or another short token. */
  public static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private static final Context.Key<Caller> KEY = Context.key("switchplane-caller");
  private static final Caller UNKNOWN =
      new Caller("system", Role.ROLE_ADMIN, List.of(), "", "", "");

  public Caller {
    scope = List.copyOf(scope);
  }

  /** The caller of the code running now: the gRPC caller, a system caller, or "system". */
  public static Caller current() {
    Caller c = KEY.get();
    return c == null ? UNKNOWN : c;
  }

  /** A writer inside the manager, e.g. system("vmtracker:vc1"). */
  public static Caller system(String part) {
    return new Caller("system:" + part, Role.ROLE_ADMIN, List.of(), "", "", "");
  }

  /** The context that makes this the current caller. */
  public Context attach(Context context) {
    return context.withValue(KEY, this);
  }

  /** Runs call with this as the current caller. */
  public <T> T supply(Supplier<T> call) {
    Context context = attach(Context.current());
    Context previous = context.attach();
    try {
      return call.get();
    } finally {
      context.detach(previous);
    }
  }
}
