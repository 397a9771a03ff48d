package io.switchplane.manager.reconcile;

import io.switchplane.rpc.metrics.Metrics;

/**
 * The push side's metrics: what was pushed, how long until confirmed, and every rollback by cause.
 */
public final class PushMetrics {
  final Metrics.Counter applies;
  final Metrics.Counter failures;
  final Metrics.Counter confirms;
  final Metrics.Counter rollbacks;
  final Metrics.Counter atomic;
  final Metrics.Histogram latency;

  public PushMetrics(Metrics metrics) {
    applies =
        metrics.counter(
            "switchplane_pushes_applied_total",
            "Applies that hosts accepted (provisionally).",
            null);
    failures =
        metrics.counter(
            "switchplane_push_failures_total", "Pushes that failed, by host sync state.", "state");
    confirms =
        metrics.counter("switchplane_confirms_total", "Generations confirmed on hosts.", null);
    rollbacks =
        metrics.counter(
            "switchplane_rollbacks_total", "Rollbacks hosts reported, by cause.", "cause");
    atomic =
        metrics.counter(
            "switchplane_atomic_change_sets_total",
            "Atomic change sets decided, by outcome.",
            "outcome");
    latency =
        metrics.histogram(
            "switchplane_push_latency_seconds",
            "From sending the Apply to the host's confirm, per host.");
  }
}
