package io.switchplane.agent.grpc;

import static io.switchplane.common.error.SwitchplaneException.notFound;

import io.grpc.stub.StreamObserver;
import io.switchplane.agent.apply.AppliedSwitch;
import io.switchplane.agent.apply.ApplyPipeline;
import io.switchplane.api.v1.ApplyRequest;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.ConfirmRequest;
import io.switchplane.api.v1.ConfirmResponse;
import io.switchplane.api.v1.RectifyRequest;
import io.switchplane.api.v1.RectifyResponse;
import io.switchplane.api.v1.RestoreGenerationRequest;
import io.switchplane.api.v1.RollbackRequest;
import io.switchplane.api.v1.RollbackResponse;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetHistoryRequest;
import io.switchplane.api.v1.GetHistoryResponse;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.ListSwitchesRequest;
import io.switchplane.api.v1.ListSwitchesResponse;
import io.switchplane.api.v1.SwitchSummary;
import io.switchplane.common.error.UnaryCalls;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.HostStateValidator;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HostAgentService over gRPC: a thin adapter from proto requests to the {@link ApplyPipeline}
 * and its store. Every failure becomes a status in one place ({@link #answer}).
 */
public final class HostAgentGrpcService extends HostAgentServiceGrpc.HostAgentServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(HostAgentGrpcService.class);
  private static final Comparator<EffectivePort> BY_KEY = Comparator.comparing(EffectivePort::getKey);

  private final ApplyPipeline pipeline;
  private final String managementPort;

  public HostAgentGrpcService(ApplyPipeline pipeline) {
    this(pipeline, null);
  }

  /** managementPort: the key of the port carrying this agent's management address (null: none). */
  public HostAgentGrpcService(ApplyPipeline pipeline, String managementPort) {
    this.pipeline = pipeline;
    this.managementPort = managementPort;
  }

  @Override
  public void apply(ApplyRequest request, StreamObserver<ApplyResponse> observer) {
    answer(observer, () -> {
      if (!request.hasDesired()) {
        throw SwitchplaneException.invalid("ApplyRequest without a desired state");
      }
      return pipeline.apply(request.getDesired(), request.getConfirmTimeoutMs(), request.getSupersedesNonce());
    });
  }

  @Override
  public void confirm(ConfirmRequest request, StreamObserver<ConfirmResponse> observer) {
    answer(observer, () -> pipeline.confirm(requireDvs(request.getDvsId()), requireGeneration(request.getGeneration()),
        request.getNonce()));
  }

  @Override
  public void rollback(RollbackRequest request, StreamObserver<RollbackResponse> observer) {
    answer(observer, () -> RollbackResponse.newBuilder()
        .setEvent(pipeline.rollback(requireDvs(request.getDvsId()), requireGeneration(request.getGeneration()),
            request.getNonce()))
        .build());
  }

  @Override
  public void restoreGeneration(RestoreGenerationRequest request, StreamObserver<ApplyResponse> observer) {
    answer(observer, () -> pipeline.restore(requireDvs(request.getDvsId()), requireGeneration(request.getGeneration()),
        request.getConfirmTimeoutMs()));
  }

  @Override
  public void rectify(RectifyRequest request, StreamObserver<RectifyResponse> observer) {
    answer(observer, () -> RectifyResponse.newBuilder().setSummary(pipeline.rectify(requireDvs(request.getDvsId())))
        .build());
  }

  private static String requireDvs(String dvsId) {
    if (dvsId.isEmpty()) {
      throw SwitchplaneException.invalid("dvs_id missing");
    }
    return dvsId;
  }

  private static long requireGeneration(long generation) {
    HostStateValidator.validateGeneration(generation, "generation");
    return generation;
  }

  @Override
  public void getState(GetStateRequest request, StreamObserver<GetStateResponse> observer) {
    answer(observer, () -> {
      AppliedSwitch applied = pipeline.applied(request.getDvsId())
          .orElseThrow(() -> notFound("no state for DVS '%s' on this host", request.getDvsId()));
      if (!applied.present() && pipeline.pending(applied.dvsId()).isEmpty()) {
        throw notFound("DVS '%s' was removed from this host at generation %d", applied.dvsId(), applied.generation());
      }
      // A removal still awaiting confirm is answered: the manager must see what is pending.
      Map<String, EffectivePort> backendPorts = pipeline.backend().ports(applied.dvsId()); // read the switch once
      GetStateResponse.Builder out = GetStateResponse.newBuilder()
          .setApplied(applied.state())
          .addAllEffectivePorts(sorted(applied.effective().values()))
          .addAllBackendPorts(sorted(backendPorts.values()))
          .setBackend(pipeline.backend().name())
          .setConfirmedGeneration(pipeline.confirmedGeneration(applied.dvsId()));
      pipeline.pending(applied.dvsId()).ifPresent(out::setPending);
      out.addAllUnclaimedNamespaces(pipeline.modules().unclaimed(applied.state()))
          .addAllClaimedNamespaces(pipeline.modules().claimed());
      pipeline.lastRollback(applied.dvsId()).ifPresent(out::setLastRollback);
      out.addAllDriftedPortKeys(ApplyPipeline.drift(applied, backendPorts));
      pipeline.hostLocalManagement(applied.dvsId(), managementPort).ifPresent(out::setHostLocalManagement);
      return out.build();
    });
  }

  @Override
  public void listSwitches(ListSwitchesRequest request, StreamObserver<ListSwitchesResponse> observer) {
    answer(observer, () -> {
      ListSwitchesResponse.Builder out = ListSwitchesResponse.newBuilder();
      for (AppliedSwitch s : pipeline.switches()) {
        out.addSwitches(SwitchSummary.newBuilder()
            .setDvsId(s.dvsId())
            .setDvsName(s.state().getDvs().getName())
            .setAppliedGeneration(s.generation())
            .setPortCount(s.effective().size()));
        SwitchSummary.Builder added = out.getSwitchesBuilder(out.getSwitchesCount() - 1);
        pipeline.pending(s.dvsId()).ifPresent(added::setPending);
        pipeline.lastRollback(s.dvsId()).ifPresent(added::setLastRollback);
      }
      return out.build();
    });
  }

  @Override
  public void getHistory(GetHistoryRequest request, StreamObserver<GetHistoryResponse> observer) {
    answer(observer, () -> {
      List<HistoryEntry> entries = pipeline.store().history(request.getDvsId());
      if (entries.isEmpty()) {
        throw notFound("no history for DVS '%s' on this host", request.getDvsId());
      }
      return GetHistoryResponse.newBuilder().addAllEntries(entries).build();
    });
  }

  private static List<EffectivePort> sorted(Collection<EffectivePort> ports) {
    return ports.stream().sorted(BY_KEY).toList();
  }

  /** Runs call and answers with its result, or with the status of its failure. */
  static <T> void answer(StreamObserver<T> observer, Supplier<T> call) {
    UnaryCalls.answer(observer, call, LOG);
  }
}
