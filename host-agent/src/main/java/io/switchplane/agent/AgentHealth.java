package io.switchplane.agent;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.switchplane.rpc.health.Readiness;
import io.switchplane.rpc.metrics.Metrics;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where an agent is in its life, as its gRPC health service, {@code /readyz} and the {@code
 * switchplane_agent_ready} gauge say it: ready only while it serves over an open store with its
 * start-up recovery done (an interrupted apply repaired, passed deadlines rolled back). Before
 * that, and once it closes its store, it is NOT_SERVING with the reason.
 *
 * <p>Thread-safe; the agent moves it forward, anyone reads it.
 */
public final class AgentHealth implements Readiness {
  /** The phases of an agent, in order. */
  public enum Phase {
    NOT_STARTED("not started"),
    OPENING("opening the state store"),
    RECOVERING("recovering: repairing the switch from the state store"),
    SERVING(""),
    FAILED("start failed"),
    CLOSED("stopped: state store closed");

    private final String reason;

    Phase(String reason) {
      this.reason = reason;
    }
  }

  private Phase phase = Phase.NOT_STARTED;
  private HealthStatusManager grpc;

  /** Registers {@code switchplane_agent_ready} and {@code switchplane_agent_phase{phase}}. */
  public AgentHealth register(Metrics metrics) {
    metrics.gauge(
        "switchplane_agent_ready",
        "1 while the agent serves over an open store with its start-up recovery done, else 0.",
        List.of(),
        cb -> cb.call(notReadyReason().isEmpty() ? 1 : 0));
    metrics.gauge(
        "switchplane_agent_phase",
        "1 for the phase the agent is in, 0 for the others.",
        List.of("phase"),
        cb -> {
          Phase now = phase();
          for (Phase p : Phase.values()) {
            cb.call(p == now ? 1 : 0, p.name().toLowerCase(Locale.ROOT));
          }
        });
    return this;
  }

  /** The gRPC health service to keep up to date: NOT_SERVING until {@link Phase#SERVING}. */
  public synchronized void serveThrough(HealthStatusManager health) {
    this.grpc = health;
    publish();
  }

  /** Moves to phase; a closed agent stays closed. */
  public synchronized void enter(Phase next) {
    if (phase == Phase.CLOSED) {
      return;
    }
    phase = next;
    publish();
  }

  public synchronized Phase phase() {
    return phase;
  }

  @Override
  public synchronized Optional<String> notReadyReason() {
    return phase == Phase.SERVING ? Optional.empty() : Optional.of(phase.reason);
  }

  private void publish() {
    if (grpc == null) {
      return;
    }
    ServingStatus status =
        phase == Phase.SERVING ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    grpc.setStatus("", status);
    grpc.setStatus(HostAgent.SERVICE_NAME, status);
  }
}
