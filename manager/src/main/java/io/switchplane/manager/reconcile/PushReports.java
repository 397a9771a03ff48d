package io.switchplane.manager.reconcile;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.text.EnumLabels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one {@link HostPusher} tells the status book, the metrics and the event log about its
 * pushes. Called without the pusher's lock held: the book has its own.
 */
final class PushReports {
  private static final Logger LOG = LoggerFactory.getLogger(PushReports.class);

  private final String dvsId;
  private final String hostId;
  private final PushContext ctx;

  PushReports(String dvsId, String hostId, PushContext ctx) {
    this.dvsId = dvsId;
    this.hostId = hostId;
    this.ctx = ctx;
  }

  /**
   * Records what the probe found where that ends the push (rolled back, refused as older, in
   * sync), or an apply left pending that is now confirmed or undone before its deadline.
   */
  void probed(ProbeAnswer answer, ProbeAnswer.Verdict verdict) {
    long wanted = HostPusher.generation(answer.wanted());
    long applied = HostPusher.generation(answer.applied());
    switch (verdict) {
      case ROLLED_BACK -> {
        RollbackEvent undone = answer.undone();
        String message = ConfirmCall.describe(undone);
        ctx.book().rolledBack(dvsId, hostId, undone, message, System.currentTimeMillis());
        ctx.metrics().rollbacks.inc(EnumLabels.metric(undone.getCause(), "ROLLBACK_CAUSE_"));
        ctx.events().record(EventKind.EVENT_KIND_ROLLED_BACK, dvsId, hostId, hostName(), wanted, message);
      }
      case REFUSED_AS_OLDER -> {
        String error = PushFailures.hostHoldsNewer(wanted, applied);
        ctx.book().failed(dvsId, hostId, HostSyncState.HOST_SYNC_STATE_FAILED, error, System.currentTimeMillis());
        ctx.metrics().failures.inc("failed");
        ctx.events().record(EventKind.EVENT_KIND_PUSH_FAILED, dvsId, hostId, hostName(), wanted, error);
      }
      case IN_SYNC -> {
        ctx.book().alreadyInSync(dvsId, hostId, applied, wanted);
        LOG.debug("host {} already has DVS {} content at generation {}", hostId, dvsId, applied);
      }
      case RESOLVE_PENDING -> ctx.book().awaitingConfirm(dvsId, hostId, answer.pending().getGeneration(), null,
          System.currentTimeMillis(), answer.pending().getDeadlineUnixMs());
      default -> {
        // Nothing settled yet: the pusher stopped, or pushes.
      }
    }
  }

  /** The host accepted an Apply provisionally; it now awaits its confirm. */
  void applied(ApplyResponse response) {
    long generation = response.getAppliedGeneration();
    ctx.book().unclaimed(dvsId, hostId, response.getUnclaimedNamespacesList());
    ctx.book().awaitingConfirm(dvsId, hostId, generation, response.getSummary(), System.currentTimeMillis(),
        response.getConfirmDeadlineUnixMs());
    if (!response.getAlreadyApplied()) {
      ctx.events().record(EventKind.EVENT_KIND_APPLIED, dvsId, hostId, hostName(), generation, String.format(
          "+%d ~%d -%d in %d us, confirm by %d", response.getSummary().getAdded(), response.getSummary().getUpdated(),
          response.getSummary().getRemoved(), response.getApplyMicros(), response.getConfirmDeadlineUnixMs()));
    }
  }

  /** The Apply of generation failed with error; a failure to be retried is no event (only its last state). */
  void failed(ApplyFailure failure, long generation, String error) {
    ctx.book().failed(dvsId, hostId, failure.syncState(), error, System.currentTimeMillis());
    ctx.metrics().failures.inc(failure.metricLabel());
    if (!failure.retryable()) {
      ctx.events().record(EventKind.EVENT_KIND_PUSH_FAILED, dvsId, hostId, hostName(), generation, error);
    }
  }

  /** The host's name for the events, its id when it has none (or is no longer registered). */
  String hostName() {
    return ctx.hosts().host(hostId).map(Host::getName).filter(n -> !n.isEmpty()).orElse(hostId);
  }
}
