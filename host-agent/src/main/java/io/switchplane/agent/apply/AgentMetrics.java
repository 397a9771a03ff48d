package io.switchplane.agent.apply;

import io.switchplane.rpc.metrics.Metrics;

/** The agent's metrics: applies and their duration, confirms, and rollbacks by cause. */
final class AgentMetrics {
  final Metrics.Counter applies;
  final Metrics.Counter refused;
  final Metrics.Counter confirms;
  final Metrics.Counter rollbacks;
  final Metrics.Histogram applyTime;

  AgentMetrics(Metrics metrics) {
    applies =
        metrics.counter(
            "switchplane_agent_applies_total", "Generations applied (provisionally).", null);
    refused =
        metrics.counter(
            "switchplane_agent_applies_refused_total",
            "Applies refused or failed, by status code.",
            "code");
    confirms =
        metrics.counter("switchplane_agent_confirms_total", "Pending applies confirmed.", null);
    rollbacks =
        metrics.counter("switchplane_agent_rollbacks_total", "Rollbacks done, by cause.", "cause");
    applyTime =
        metrics.histogram(
            "switchplane_agent_apply_seconds", "Time inside an apply, from request to stored.");
  }
}
