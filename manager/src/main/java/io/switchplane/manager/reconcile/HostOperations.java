package io.switchplane.manager.reconcile;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.GetHistoryRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.RectifyHostResponse;
import io.switchplane.api.v1.RectifyRequest;
import io.switchplane.api.v1.RectifyResponse;
import io.switchplane.api.v1.RestoreGenerationRequest;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.agents.AgentChannels;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What an operator does to one host, beside the pushes: read its history, take it back to an
 * earlier generation (through the agent's apply and confirm), rectify drift. Blocking calls to the
 * agent, each with its own deadline; agent failures become the matching status.
 */
public final class HostOperations {
  private final AgentChannels channels;
  private final PushRecorder recorder;
  private final BooleanSupplier active;

  HostOperations(AgentChannels channels, PushRecorder recorder, BooleanSupplier active) {
    this.channels = channels;
    this.recorder = recorder;
    this.active = active;
  }

  /**
   * The applied history of host's proxy switch of dvsId, read from its agent (newest first).
   * UNAVAILABLE when the agent cannot be reached, NOT_FOUND when it has no history.
   */
  public List<HistoryEntry> history(String dvsId, Host host) {
    try {
      return channels
          .futureStub(host.getEndpoint())
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .getHistory(GetHistoryRequest.newBuilder().setDvsId(dvsId).build())
          .get()
          .getEntriesList();
    } catch (ExecutionException e) {
      throw agentError(e, host);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SwitchplaneException.unavailable(
          "interrupted while asking host '%s' for its history", host.getName());
    }
  }

  /**
   * Takes host's proxy switch of dvsId back to its state at generation (from the host's own
   * history) and confirms it. The host is then ROLLED_BACK (cause OPERATOR) and left alone until a
   * change set affects it. Blocking; UNAVAILABLE when the agent cannot be reached.
   */
  public ApplyResponse rollbackHost(
      String dvsId, Host host, long generation, long confirmTimeoutMs) {
    if (!active.getAsBoolean()) {
      throw SwitchplaneException.unavailable("this manager does not lead: it pushes nothing");
    }
    ApplyResponse applied =
        await(
            channels
                .futureStub(host.getEndpoint())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .restoreGeneration(
                    RestoreGenerationRequest.newBuilder()
                        .setDvsId(dvsId)
                        .setGeneration(generation)
                        .setConfirmTimeoutMs((int) confirmTimeoutMs)
                        .build()),
            host);
    await(
        channels
            .futureStub(host.getEndpoint())
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .confirm(
                ConfirmRequest.newBuilder()
                    .setDvsId(dvsId)
                    .setGeneration(generation)
                    .setNonce(applied.getNonce())
                    .build()),
        host);
    recorder.heldByOperator(dvsId, host, generation, applied);
    return applied;
  }

  /**
   * Reads host's drift on dvsId and brings it back; returns (drifted keys, what changed). Blocking.
   */
  public RectifyHostResponse rectifyHost(String dvsId, Host host) {
    GetStateResponse state =
        await(
            channels
                .futureStub(host.getEndpoint())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getState(GetStateRequest.newBuilder().setDvsId(dvsId).build()),
            host);
    RectifyResponse r =
        await(
            channels
                .futureStub(host.getEndpoint())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .rectify(RectifyRequest.newBuilder().setDvsId(dvsId).build()),
            host);
    if (state.getDriftedPortKeysCount() > 0) {
      recorder.rectifiedByOperator(
          dvsId, host, state.getApplied().getDvs().getGeneration(), state.getDriftedPortKeysList());
    }
    return RectifyHostResponse.newBuilder()
        .addAllDriftedPortKeys(state.getDriftedPortKeysList())
        .setSummary(r.getSummary())
        .build();
  }

  private static <T> T await(ListenableFuture<T> call, Host host) {
    try {
      return call.get();
    } catch (ExecutionException e) {
      throw agentError(e, host);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SwitchplaneException.unavailable("interrupted while calling host '%s'", host.getName());
    }
  }

  /**
   * The agent's failure as the operator's: its code and message, naming the host; an agent that
   * could not be reached is said so by reason, so that a client does not take it for its manager.
   */
  private static SwitchplaneException agentError(ExecutionException e, Host host) {
    Status status = Status.fromThrowable(e.getCause());
    SwitchplaneException failure =
        new SwitchplaneException(
            StatusMapping.codeOf(status.getCode()),
            "agent of host '"
                + host.getName()
                + "' at "
                + host.getEndpoint()
                + ": "
                + (status.getDescription() == null ? status.getCode() : status.getDescription()),
            e.getCause());
    boolean unreachable =
        status.getCode() == Status.Code.UNAVAILABLE
            || status.getCode() == Status.Code.DEADLINE_EXCEEDED;
    return unreachable ? failure.because(ErrorReason.AGENT_UNREACHABLE) : failure;
  }
}
