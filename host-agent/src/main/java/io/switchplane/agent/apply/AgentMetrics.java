package io.switchplane.agent.apply;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.text.EnumLabels;
import io.switchplane.rpc.metrics.Metrics;

/**
 * The agent's metrics: applies and their duration, confirms, and rollbacks by cause; every label
 * value known here is there from the start, at zero.
 */
final class AgentMetrics {
  final Counter applies;
  final Counter refused;
  final Counter confirms;
  final Counter rollbacks;
  final Histogram applyTime;

  AgentMetrics(Metrics metrics) {
    applies =
        metrics.counter("switchplane_agent_applies_total", "Generations applied (provisionally).");
    refused =
        metrics.counter(
            "switchplane_agent_applies_refused_total",
            "Applies refused or failed, by status code.",
            "code");
    for (ErrorCode code : ErrorCode.values()) {
      refused.initLabelValues(code.name());
    }
    confirms = metrics.counter("switchplane_agent_confirms_total", "Pending applies confirmed.");
    rollbacks =
        metrics.counter("switchplane_agent_rollbacks_total", "Rollbacks done, by cause.", "cause");
    for (RollbackCause cause : RollbackCause.values()) {
      if (cause != RollbackCause.UNRECOGNIZED) {
        rollbacks.initLabelValues(EnumLabels.metric(cause, "ROLLBACK_CAUSE_"));
      }
    }
    applyTime =
        metrics.latency(
            "switchplane_agent_apply_seconds", "Time inside an apply, from request to stored.");
  }
}
