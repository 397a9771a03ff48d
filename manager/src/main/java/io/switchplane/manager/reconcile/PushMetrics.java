package io.switchplane.manager.reconcile;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.common.text.EnumLabels;
import io.switchplane.rpc.metrics.Metrics;

/**
 * The push side's metrics: what was pushed, how long until confirmed, and every rollback by cause.
 * Every label value the recorder uses is there from the start, at zero.
 */
public final class PushMetrics {
  final Counter applies;
  final Counter failures;
  final Counter confirms;
  final Counter rollbacks;
  final Counter atomic;
  final Histogram latency;

  public PushMetrics(Metrics metrics) {
    applies =
        metrics.counter(
            "switchplane_pushes_applied_total", "Applies that hosts accepted (provisionally).");
    failures =
        metrics.counter(
            "switchplane_push_failures_total", "Pushes that failed, by host sync state.", "state");
    failures.initLabelValues("failed");
    failures.initLabelValues("unreachable");
    confirms = metrics.counter("switchplane_confirms_total", "Generations confirmed on hosts.");
    rollbacks =
        metrics.counter(
            "switchplane_rollbacks_total", "Rollbacks hosts reported, by cause.", "cause");
    for (RollbackCause cause : RollbackCause.values()) {
      if (cause != RollbackCause.UNRECOGNIZED) {
        rollbacks.initLabelValues(EnumLabels.metric(cause, "ROLLBACK_CAUSE_"));
      }
    }
    atomic =
        metrics.counter(
            "switchplane_atomic_change_sets_total",
            "Atomic change sets decided, by outcome.",
            "outcome");
    atomic.initLabelValues("committed");
    atomic.initLabelValues("aborted");
    latency =
        metrics.latency(
            "switchplane_push_latency_seconds",
            "From sending the Apply to the host's confirm, per host.");
  }
}
