package io.switchplane.manager.reconcile;

import io.grpc.Status;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PushOwner;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.manager.agents.PushStream;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of the commit-confirmed push protocol on one host, as a state machine whose states
 * are types. An attempt is what the {@link HostPusher} starts with one dispatcher slot: a probe
 * (GetState) or an Apply, then, once the agent holds a provisional generation, its Confirm or
 * Rollback ({@link ConfirmCall}) until the outcome is known.
 *
 * <pre>
 *   Starting        → Probing | Applying | ApplyFailed
 *   Probing         → InSync | RolledBack | ApplyFailed | AwaitingConfirm (an apply left pending)
 *   Applying        → AwaitingConfirm | ApplyFailed
 *   AwaitingConfirm → Overdue | Unreachable | Confirmed | RolledBack | Degraded | Failed
 *   Overdue         → Unreachable | Confirmed | RolledBack | Degraded | Failed
 *   Unreachable     → Unreachable | Confirmed | RolledBack | Degraded | Failed
 * </pre>
 *
 * <p>An {@link Outcome} ends the attempt: nothing leaves it, so of two answers racing (a confirm's
 * and a GetState's) only the first counts, and a question still on its way cannot mark a confirmed
 * host UNREACHABLE. Any other move is refused and changes nothing. A probe that ends in a push, an
 * attempt of a pusher that stopped, and an Apply refused as older that is to be asked about end
 * without an outcome: the pusher starts a new attempt for what follows.
 *
 * <p>Every state entered goes to the {@link PushRecorder}, under this machine's lock, so the status
 * book sees one attempt's states in the order they were entered even when they come from different
 * gRPC threads. The recorder does no I/O; no other lock is held while it writes.
 */
final class PushProtocol {
  private static final Logger LOG = LoggerFactory.getLogger(PushProtocol.class);

  /** Where an attempt is. */
  sealed interface State
      permits Starting, Probing, Applying, AwaitingConfirm, Overdue, Unreachable, Outcome {}

  /** Where an attempt ends: recorded once, and nothing follows. */
  sealed interface Outcome extends State
      permits InSync, Confirmed, RolledBack, Degraded, Failed, ApplyFailed {
    /**
     * Whether the host keeps the generation sent (a confirmed tombstone lets its pusher retire).
     */
    default boolean kept() {
      return false;
    }
  }

  /** The attempt holds a dispatcher slot and has not called the agent yet. */
  record Starting(long generation) implements State {}

  /**
   * The agent is asked what it holds before anything is pushed (taking over, or after an unclear
   * failure).
   */
  record Probing(long wanted) implements State {}

  /** The Apply of generation is on its way. */
  record Applying(long generation) implements State {}

  /**
   * The agent holds generation provisionally and rolls it back by itself at deadlineMs unless
   * Confirm(generation, nonce) arrives. applied: the agent's answer to our Apply, null when a probe
   * found the apply left pending (by an earlier leader, or a confirm whose answer was lost).
   */
  record AwaitingConfirm(long generation, String nonce, long deadlineMs, ApplyResponse applied)
      implements State {}

  /**
   * The agent's deadline passed with no outcome known: it has rolled back by itself unless it kept
   * the change.
   */
  record Overdue(long generation, long deadlineMs) implements State {}

  /**
   * The Confirm or Rollback of generation could not be delivered and the agent does not answer;
   * reason says so.
   */
  record Unreachable(long generation, String reason) implements State {}

  /**
   * The probe found the wanted content (of generation wanted) on the host already, at generation
   * applied.
   */
  record InSync(long applied, long wanted) implements Outcome {}

  /**
   * The host confirmed generation; sent is the generation of the state pushed, latencyNanos since
   * the Apply was sent.
   */
  record Confirmed(long generation, long sent, long latencyNanos) implements Outcome {
    @Override
    public boolean kept() {
      return true;
    }
  }

  /** The host undid generation (event says how and why). */
  record RolledBack(long generation, RollbackEvent event) implements Outcome {}

  /**
   * The host kept generation without a confirm, with its management moved to a host-local clone of
   * port.
   */
  record Degraded(long generation, RollbackEvent event, String port) implements Outcome {
    @Override
    public boolean kept() {
      return true;
    }
  }

  /**
   * What became of generation cannot be settled by asking again; reason tells the operator what to
   * do.
   */
  record Failed(long generation, String reason) implements Outcome {}

  /**
   * The Apply of generation failed (or never reached the agent); message is what the operator
   * reads.
   */
  record ApplyFailed(long generation, ApplyFailure failure, String message) implements Outcome {}

  private final String dvsId;
  private final String hostId;
  private final HostSwitchState sent;
  private final PushIntent intent;
  private final String endpoint;
  private final PushRecorder recorder;
  private State state;

  /**
   * A new attempt, Starting, to push sent as intent says to the agent at endpoint, looked up once
   * for the whole attempt ("" when the host is not registered); records nothing yet.
   */
  PushProtocol(
      String dvsId,
      String hostId,
      HostSwitchState sent,
      PushIntent intent,
      String endpoint,
      PushRecorder recorder) {
    this.dvsId = dvsId;
    this.hostId = hostId;
    this.sent = sent;
    this.intent = intent;
    this.endpoint = endpoint;
    this.recorder = recorder;
    this.state = new Starting(generation(sent));
  }

  String dvsId() {
    return dvsId;
  }

  String hostId() {
    return hostId;
  }

  /** The state this attempt pushes (or, after a probe, wants on the host). */
  HostSwitchState sent() {
    return sent;
  }

  long generation() {
    return generation(sent);
  }

  PushIntent intent() {
    return intent;
  }

  String endpoint() {
    return endpoint;
  }

  static long generation(HostSwitchState state) {
    return state == null ? 0 : state.getDvs().getGeneration();
  }

  synchronized State state() {
    return state;
  }

  synchronized boolean settled() {
    return state instanceof Outcome;
  }

  /**
   * Moves to next and records it, when the move is legal ({@link #legal}).
   *
   * @return false when refused (the attempt has its outcome already, or next cannot follow the
   *     state it is in)
   */
  synchronized boolean advance(State next) {
    if (!legal(state, next)) {
      // Expected when two answers race; anything else is a bug worth seeing in a debug log.
      LOG.debug("host {} of DVS {}: {} cannot follow {}; ignored", hostId, dvsId, next, state);
      return false;
    }
    state = next;
    recorder.record(dvsId, hostId, next);
    return true;
  }

  /**
   * Replaces the host's last message while the attempt goes on (a confirm being retried); false
   * once settled.
   */
  synchronized boolean note(String message) {
    if (state instanceof Outcome) {
      return false;
    }
    recorder.note(dvsId, hostId, message);
    return true;
  }

  // ---- the attempt's first call; its Confirm or Rollback is a ConfirmCall's ----

  /**
   * Asks the agent what it holds (GetState), Probing. answered gets the response, or null when the
   * agent has nothing for the DVS or could not tell. redial: see {@link #apply}.
   */
  void probe(PushContext ctx, boolean redial, Consumer<GetStateResponse> answered) {
    PushStream stream = stream(ctx, redial);
    advance(new Probing(generation()));
    AgentCalls.on(
        stream.getState(
            GetStateRequest.newBuilder().setDvsId(dvsId).build(), ctx.callDeadline().toMillis()),
        answered,
        t -> {
          Status.Code code = Status.fromThrowable(t).getCode();
          if (code != Status.Code.NOT_FOUND) {
            LOG.debug("GetState of DVS {} on host {} failed ({}); pushing", dvsId, hostId, code);
          }
          answered.accept(null);
        });
  }

  /**
   * Sends the Apply of sent, Applying. redial: an earlier attempt failed and the agent may be back:
   * dial now, not after gRPC's connect backoff.
   */
  void apply(
      PushContext ctx,
      boolean redial,
      Consumer<ApplyResponse> applied,
      Consumer<Throwable> failed) {
    PushStream stream = stream(ctx, redial);
    advance(new Applying(generation()));
    Optional<PushOwner> owner = ctx.owners().of(dvsId);
    if (owner.isEmpty()) {
      failed.accept(PushOwners.notOwner(dvsId));
      return;
    }
    AgentCalls.on(
        stream.apply(
            ApplyRequest.newBuilder()
                .setDesired(sent)
                .setConfirmTimeoutMs((int) intent.confirmTimeoutMs())
                .setOwner(owner.get())
                .build(),
            ctx.callDeadline().toMillis()),
        applied,
        failed);
  }

  /** The agent's push stream (the attempt's calls are messages on it). */
  private PushStream stream(PushContext ctx, boolean redial) {
    if (redial) {
      ctx.channels().resetConnectBackoff(endpoint);
    }
    return ctx.channels().pushStream(endpoint);
  }

  /** The protocol's transitions: whether to may follow from. */
  static boolean legal(State from, State to) {
    if (from instanceof Starting) {
      return to instanceof Probing || to instanceof Applying || to instanceof ApplyFailed;
    }
    if (from instanceof Probing) {
      return to instanceof InSync
          || to instanceof RolledBack
          || to instanceof ApplyFailed
          || to instanceof AwaitingConfirm;
    }
    if (from instanceof Applying) {
      return to instanceof AwaitingConfirm || to instanceof ApplyFailed;
    }
    if (from instanceof AwaitingConfirm) {
      return to instanceof Overdue || to instanceof Unreachable || endsConfirm(to);
    }
    if (from instanceof Overdue || from instanceof Unreachable) {
      return to instanceof Unreachable || endsConfirm(to);
    }
    return false; // an Outcome: the attempt is over
  }

  /** The outcomes a Confirm or Rollback can have. */
  private static boolean endsConfirm(State to) {
    return to instanceof Confirmed
        || to instanceof RolledBack
        || to instanceof Degraded
        || to instanceof Failed;
  }

  @Override
  public String toString() {
    return "PushProtocol[dvs=" + dvsId + ", host=" + hostId + ", " + state() + "]";
  }
}
