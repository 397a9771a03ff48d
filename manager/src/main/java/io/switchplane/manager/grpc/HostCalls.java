package io.switchplane.manager.grpc;

import static io.switchplane.common.error.SwitchplaneException.invalid;
import static io.switchplane.common.error.SwitchplaneException.precondition;
import static io.switchplane.manager.grpc.Unary.required;

import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.GetHostDesiredStateRequest;
import io.switchplane.api.v1.GetHostDesiredStateResponse;
import io.switchplane.api.v1.GetHostHistoryRequest;
import io.switchplane.api.v1.GetHostHistoryResponse;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.RectifyHostRequest;
import io.switchplane.api.v1.RectifyHostResponse;
import io.switchplane.api.v1.RollbackHostRequest;
import io.switchplane.api.v1.RollbackHostResponse;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.model.ConfigLookup;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.DesiredStateBuilder;
import io.switchplane.manager.reconcile.PushEngine;
import io.switchplane.manager.service.CommitOptions;
import io.switchplane.manager.service.ConfigService;
import java.util.Comparator;

/**
 * The calls of {@link ManagerGrpcService} about one host of one DVS (desired state, push history,
 * rollback, rectify): each resolves the DVS and the host before it asks the domain, so they share
 * those lookups here. Answers responses or throws; the service turns failures into statuses.
 */
final class HostCalls {
  private static final Comparator<EffectivePort> BY_KEY =
      Comparator.comparing(EffectivePort::getKey);

  private final ConfigService service;
  private final PushEngine push;
  private final ManagerGrpcService.OwnerCheck owners;

  /**
   * @param owners leadership per DVS: rollback and rectify push, so they run on the DVS's owner
   *     (its epoch, its host statuses); elsewhere refused NOT_DVS_OWNER naming it
   */
  HostCalls(ConfigService service, PushEngine push, ManagerGrpcService.OwnerCheck owners) {
    this.service = service;
    this.push = push;
    this.owners = owners;
  }

  GetHostDesiredStateResponse desiredState(GetHostDesiredStateRequest r) {
    DvsConfig c = service.config(required(r.getDvs(), "dvs"));
    String hostId = ConfigLookup.hostId(c, required(r.getHost(), "host"), service::host);
    requireMember(c, hostId, r.getHost());
    HostSwitchState desired = DesiredStateBuilder.build(c, hostId);
    return GetHostDesiredStateResponse.newBuilder()
        .setDesired(desired)
        .addAllEffectivePorts(
            EffectiveStateResolver.resolveAll(desired).values().stream().sorted(BY_KEY).toList())
        .build();
  }

  GetHostHistoryResponse history(GetHostHistoryRequest r) {
    DvsConfig c = service.config(required(r.getDvs(), "dvs"));
    Host host = service.host(required(r.getHost(), "host"));
    return GetHostHistoryResponse.newBuilder()
        .addAllEntries(push.hostOperations().history(c.id(), host))
        .build();
  }

  RollbackHostResponse rollback(RollbackHostRequest r) {
    DvsConfig c = service.config(required(r.getDvs(), "dvs"));
    Host host = service.host(required(r.getHost(), "host"));
    requireMember(c, host.getId(), host.getName());
    if (r.getToGeneration() == 0) {
      throw invalid("to_generation is required");
    }
    owners.requireOwner(c.id(), c.dvs().getName());
    long timeout = new CommitOptions(false, r.getConfirmTimeoutMs()).confirmTimeoutMs();
    var applied = push.hostOperations().rollbackHost(c.id(), host, r.getToGeneration(), timeout);
    return RollbackHostResponse.newBuilder()
        .setAppliedGeneration(applied.getAppliedGeneration())
        .setSummary(applied.getSummary())
        .build();
  }

  RectifyHostResponse rectify(RectifyHostRequest r) {
    DvsConfig c = service.config(required(r.getDvs(), "dvs"));
    Host host = service.host(required(r.getHost(), "host"));
    owners.requireOwner(c.id(), c.dvs().getName());
    return push.hostOperations().rectifyHost(c.id(), host);
  }

  /**
   * FAILED_PRECONDITION unless hostId is a member of c's DVS; shownAs names the host in the
   * message.
   */
  private static void requireMember(DvsConfig c, String hostId, String shownAs) {
    if (!ModelValidator.isMember(c.dvs(), hostId)) {
      throw precondition("host '%s' is not a member of DVS '%s'", shownAs, c.dvs().getName());
    }
  }
}
