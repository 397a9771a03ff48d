package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackEvent;

/**
 * What an agent's GetState answer, asked before a push (the probe), says about the state the pusher
 * wants there, and what the pusher does next ({@link #verdict}).
 *
 * @param applied what the agent has applied (null: nothing, or it could not tell)
 * @param pending an apply left awaiting its confirm (null: none)
 * @param undone the agent's last rollback when it undid exactly the wanted generation (else null)
 */
record ProbeAnswer(
    HostSwitchState wanted, HostSwitchState applied, PendingConfirm pending, RollbackEvent undone) {

  enum Verdict {
    /** The pusher no longer pushes (retired, or not leading): nothing to do. */
    STOPPED,
    /** The host applied and undid exactly this generation: it is never pushed again blindly. */
    ROLLED_BACK,
    /**
     * An apply was left pending (a previous leader, or a lost confirm): keep it if it is wanted,
     * else undo it.
     */
    RESOLVE_PENDING,
    /** The host already has the wanted content. */
    IN_SYNC,
    /**
     * Other content at a newer generation, after the agent refused the wanted one as older: the
     * refusal stands.
     */
    REFUSED_AS_OLDER,
    /** Push the wanted state. */
    PUSH
  }

  /** response null: the agent has nothing for the DVS (or could not tell). */
  static ProbeAnswer read(HostSwitchState wanted, GetStateResponse response) {
    if (response == null) {
      return new ProbeAnswer(wanted, null, null, null);
    }
    return new ProbeAnswer(
        wanted,
        response.hasApplied() ? response.getApplied() : null,
        response.hasPending() ? response.getPending() : null,
        response.hasLastRollback()
                && response.getLastRollback().getGeneration() == PushProtocol.generation(wanted)
            ? response.getLastRollback()
            : null);
  }

  /** Whether the agent's applied state has the wanted content. */
  boolean holdsWanted() {
    return DesiredStateBuilder.sameContent(applied, wanted);
  }

  /**
   * Whether the host is in sync with the pusher's newest state: current, wanted is still that
   * state. A pending apply being resolved is then confirmed and nothing is pushed after it.
   */
  boolean inSync(boolean current) {
    return current && holdsWanted();
  }

  /**
   * The outcome verdict gives the attempt that probed: RolledBack, ApplyFailed (the refusal as
   * older stands) or InSync; null when the attempt ends without one (it pushes, resolves the
   * pending apply, or stopped).
   */
  PushProtocol.Outcome outcome(Verdict verdict) {
    long wantedGeneration = PushProtocol.generation(wanted);
    long appliedGeneration = PushProtocol.generation(applied);
    return switch (verdict) {
      case ROLLED_BACK -> new PushProtocol.RolledBack(wantedGeneration, undone);
      case REFUSED_AS_OLDER ->
          new PushProtocol.ApplyFailed(
              wantedGeneration,
              ApplyFailure.refusedAsOlder(),
              ApplyFailure.hostHoldsNewer(wantedGeneration, appliedGeneration));
      case IN_SYNC -> new PushProtocol.InSync(appliedGeneration, wantedGeneration);
      default -> null;
    };
  }

  /** The pending apply to resolve, as the state of the attempt that found it. */
  PushProtocol.AwaitingConfirm awaitingConfirm() {
    return new PushProtocol.AwaitingConfirm(
        pending.getGeneration(), pending.getNonce(), pending.getDeadlineUnixMs(), null);
  }

  /**
   * @param active the pusher still pushes (not retired, leading)
   * @param current wanted is still the pusher's newest state
   * @param askedAboutNewer the agent refused wanted as older than what it holds, and this probe
   *     asks what that is
   */
  Verdict verdict(boolean active, boolean current, boolean askedAboutNewer) {
    if (!active) {
      return Verdict.STOPPED;
    }
    boolean same = inSync(current);
    if (pending == null && undone != null && !same && current) {
      return Verdict.ROLLED_BACK;
    } else if (pending != null) {
      return Verdict.RESOLVE_PENDING;
    } else if (same) {
      return Verdict.IN_SYNC;
    } else if (askedAboutNewer && current) {
      return Verdict.REFUSED_AS_OLDER;
    }
    return Verdict.PUSH;
  }
}
