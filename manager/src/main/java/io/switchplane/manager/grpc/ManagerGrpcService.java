package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.present;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.AddDvsMemberResponse;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.CommitMode;
import io.switchplane.api.v1.CommitOutcome;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreateDvsResponse;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortGroupResponse;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.CreatePortResponse;
import io.switchplane.api.v1.DeleteDvsRequest;
import io.switchplane.api.v1.DeleteDvsResponse;
import io.switchplane.api.v1.DeletePortGroupRequest;
import io.switchplane.api.v1.DeletePortGroupResponse;
import io.switchplane.api.v1.DeletePortRequest;
import io.switchplane.api.v1.DeletePortResponse;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Event;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.GetDvsResponse;
import io.switchplane.api.v1.GetHostDesiredStateRequest;
import io.switchplane.api.v1.GetHostDesiredStateResponse;
import io.switchplane.api.v1.GetHostHistoryRequest;
import io.switchplane.api.v1.GetHostHistoryResponse;
import io.switchplane.api.v1.GetManagerInfoRequest;
import io.switchplane.api.v1.GetManagerInfoResponse;
import io.switchplane.api.v1.GetPortGroupRequest;
import io.switchplane.api.v1.GetPortGroupResponse;
import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetPushStatusResponse;
import io.switchplane.api.v1.ListDvsRequest;
import io.switchplane.api.v1.ListDvsResponse;
import io.switchplane.api.v1.ListHostsRequest;
import io.switchplane.api.v1.ListHostsResponse;
import io.switchplane.api.v1.ListManagersRequest;
import io.switchplane.api.v1.ListManagersResponse;
import io.switchplane.api.v1.ListPortGroupsRequest;
import io.switchplane.api.v1.ListPortGroupsResponse;
import io.switchplane.api.v1.ListPortsRequest;
import io.switchplane.api.v1.ListPortsResponse;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.PortUpdate;
import io.switchplane.api.v1.RectifyHostRequest;
import io.switchplane.api.v1.RectifyHostResponse;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RegisterHostResponse;
import io.switchplane.api.v1.RemoveDvsMemberRequest;
import io.switchplane.api.v1.RemoveDvsMemberResponse;
import io.switchplane.api.v1.RemoveHostRequest;
import io.switchplane.api.v1.RemoveHostResponse;
import io.switchplane.api.v1.RollbackHostRequest;
import io.switchplane.api.v1.RollbackHostResponse;
import io.switchplane.api.v1.UpdateDvsRequest;
import io.switchplane.api.v1.UpdateDvsResponse;
import io.switchplane.api.v1.UpdatePortGroupRequest;
import io.switchplane.api.v1.UpdatePortGroupResponse;
import io.switchplane.api.v1.UpdatePortRequest;
import io.switchplane.api.v1.UpdatePortResponse;
import io.switchplane.api.v1.WatchEventsRequest;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.manager.model.ConfigLookup;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.reconcile.PushEngine;
import io.switchplane.manager.service.CommitOptions;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.service.ConfigService.CommitResult;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The operator API: a thin adapter from the wire contract to {@link ConfigService} and {@link
 * PushEngine}. It checks that required fields are present (INVALID_ARGUMENT otherwise), turns
 * single-entity mutations into change sets of one op, and answers every failure through {@link
 * StatusMapping#toStatus}; no status logic lives anywhere else. The calls about one host of a DVS
 * are answered by {@link HostCalls}; references are resolved by {@link ConfigLookup}.
 */
public final class ManagerGrpcService extends ManagerServiceGrpc.ManagerServiceImplBase {
  private final ConfigService service;
  private final PushEngine push;
  private final Supplier<GetManagerInfoResponse> info;
  private final HostCalls hosts;
  private final ToLongFunction<String> certExpiry;
  private final Supplier<ListManagersResponse> managers;
  private final OwnerCheck owners;

  /** Leadership per DVS: whether this manager owns a DVS, for the reads only its owner has. */
  @FunctionalInterface
  public interface OwnerCheck {
    /** Nothing to check: one leader has every DVS's push status. */
    OwnerCheck NONE = (dvsId, dvsName) -> {};

    /** Throws NOT_DVS_OWNER (naming the owner) unless this manager owns dvsId now. */
    void requireOwner(String dvsId, String dvsName);
  }

  /**
   * @param certExpiry when a host's current certificate expires, by host id (Unix ms; 0: the host
   *     has not enrolled)
   * @param managers the live managers and what each owns
   * @param owners checks a DVS's push status is asked of its owner
   */
  public ManagerGrpcService(
      ConfigService service,
      PushEngine push,
      Supplier<GetManagerInfoResponse> info,
      ToLongFunction<String> certExpiry,
      Supplier<ListManagersResponse> managers,
      OwnerCheck owners) {
    this.service = service;
    this.push = push;
    this.info = info;
    this.certExpiry = certExpiry;
    this.managers = managers;
    this.owners = owners;
    this.hosts = new HostCalls(service, push, owners);
  }

  @Override
  public void createDvs(CreateDvsRequest r, StreamObserver<CreateDvsResponse> out) {
    call(
        out,
        () -> {
          required(r.getName(), "name");
          Dvs.Builder dvs =
              Dvs.newBuilder()
                  .setName(r.getName())
                  .addAllUplinks(r.getUplinksList())
                  .setMtu(r.getMtu())
                  .setDescription(r.getDescription());
          if (r.hasDefaultPolicy()) {
            dvs.setDefaultPolicy(r.getDefaultPolicy());
          }
          return CreateDvsResponse.newBuilder()
              .setDvs(service.createDvs(dvs.build()).dvs())
              .build();
        });
  }

  @Override
  public void getDvs(GetDvsRequest r, StreamObserver<GetDvsResponse> out) {
    call(
        out,
        () -> {
          DvsConfig c = service.config(required(r.getDvs(), "dvs"));
          return GetDvsResponse.newBuilder()
              .setDvs(c.dvs())
              .setPortGroupCount(c.portGroups().size())
              .setPortCount(c.ports().size())
              .build();
        });
  }

  @Override
  public void listDvs(ListDvsRequest r, StreamObserver<ListDvsResponse> out) {
    call(out, () -> ListDvsResponse.newBuilder().addAllSwitches(service.listDvs()).build());
  }

  @Override
  public void updateDvs(UpdateDvsRequest r, StreamObserver<UpdateDvsResponse> out) {
    call(
        out,
        () -> {
          present(r.hasSettings() || r.hasUpdateMask(), "settings");
          ChangeOp.Builder op = ChangeOp.newBuilder().setUpdateDvs(r.getSettings());
          if (r.hasUpdateMask()) {
            op.setUpdateDvsMask(r.getUpdateMask());
          }
          CommitResult c = commit(r.getDvs(), op.build(), r.getExpectedGeneration());
          return UpdateDvsResponse.newBuilder()
              .setDvs(c.after().dvs())
              .setUnchanged(c.unchanged())
              .build();
        });
  }

  @Override
  public void deleteDvs(DeleteDvsRequest r, StreamObserver<DeleteDvsResponse> out) {
    call(
        out,
        () -> {
          service.deleteDvs(required(r.getDvs(), "dvs"), r.getExpectedGeneration());
          return DeleteDvsResponse.getDefaultInstance();
        });
  }

  @Override
  public void addDvsMember(AddDvsMemberRequest r, StreamObserver<AddDvsMemberResponse> out) {
    call(
        out,
        () -> {
          present(r.hasMember(), "member");
          required(r.getMember().getHostId(), "member.host_id");
          CommitResult c =
              commit(
                  r.getDvs(),
                  ChangeOp.newBuilder().setAddMember(r.getMember()).build(),
                  r.getExpectedGeneration());
          return AddDvsMemberResponse.newBuilder().setDvs(c.after().dvs()).build();
        });
  }

  @Override
  public void removeDvsMember(
      RemoveDvsMemberRequest r, StreamObserver<RemoveDvsMemberResponse> out) {
    call(
        out,
        () -> {
          CommitResult c =
              commit(
                  r.getDvs(),
                  ChangeOp.newBuilder().setRemoveMember(required(r.getHost(), "host")).build(),
                  r.getExpectedGeneration());
          return RemoveDvsMemberResponse.newBuilder().setDvs(c.after().dvs()).build();
        });
  }

  @Override
  public void createPortGroup(
      CreatePortGroupRequest r, StreamObserver<CreatePortGroupResponse> out) {
    call(
        out,
        () -> {
          present(r.hasPortGroup(), "port_group");
          CommitResult c =
              commit(
                  r.getDvs(),
                  ChangeOp.newBuilder().setCreatePortGroup(r.getPortGroup()).build(),
                  r.getExpectedGeneration());
          return CreatePortGroupResponse.newBuilder()
              .setPortGroup(touchedPortGroup(c))
              .setGeneration(c.generation())
              .build();
        });
  }

  @Override
  public void updatePortGroup(
      UpdatePortGroupRequest r, StreamObserver<UpdatePortGroupResponse> out) {
    call(
        out,
        () -> {
          required(r.getPortGroup(), "port_group");
          present(r.hasSettings() || r.hasUpdateMask(), "settings");
          PortGroupUpdate.Builder update =
              PortGroupUpdate.newBuilder()
                  .setPortGroup(r.getPortGroup())
                  .setSettings(r.getSettings());
          if (r.hasUpdateMask()) {
            update.setUpdateMask(r.getUpdateMask());
          }
          ChangeOp op = ChangeOp.newBuilder().setUpdatePortGroup(update).build();
          CommitResult c = commit(r.getDvs(), op, r.getExpectedGeneration());
          return UpdatePortGroupResponse.newBuilder()
              .setPortGroup(touchedPortGroup(c))
              .setGeneration(c.generation())
              .setUnchanged(c.unchanged())
              .build();
        });
  }

  @Override
  public void getPortGroup(GetPortGroupRequest r, StreamObserver<GetPortGroupResponse> out) {
    call(
        out,
        () -> {
          DvsConfig c = service.config(required(r.getDvs(), "dvs"));
          PortGroup pg = ConfigLookup.portGroup(c, required(r.getPortGroup(), "port_group"));
          int count =
              (int)
                  c.ports().values().stream()
                      .filter(p -> p.getPortGroupId().equals(pg.getId()))
                      .count();
          return GetPortGroupResponse.newBuilder()
              .setPortGroup(pg)
              .setPortCount(count)
              .setGeneration(c.generation())
              .build();
        });
  }

  @Override
  public void listPortGroups(ListPortGroupsRequest r, StreamObserver<ListPortGroupsResponse> out) {
    call(
        out,
        () -> {
          DvsConfig c = service.config(required(r.getDvs(), "dvs"));
          return ListPortGroupsResponse.newBuilder()
              .addAllPortGroups(
                  c.portGroups().values().stream()
                      .sorted(Comparator.comparing(PortGroup::getName))
                      .toList())
              .build();
        });
  }

  @Override
  public void deletePortGroup(
      DeletePortGroupRequest r, StreamObserver<DeletePortGroupResponse> out) {
    call(
        out,
        () -> {
          CommitResult c =
              commit(
                  r.getDvs(),
                  ChangeOp.newBuilder()
                      .setDeletePortGroup(required(r.getPortGroup(), "port_group"))
                      .build(),
                  r.getExpectedGeneration());
          return DeletePortGroupResponse.newBuilder().setGeneration(c.generation()).build();
        });
  }

  @Override
  public void createPort(CreatePortRequest r, StreamObserver<CreatePortResponse> out) {
    call(
        out,
        () -> {
          present(r.hasPort(), "port");
          required(r.getPort().getKey(), "port.key");
          CommitResult c =
              commit(
                  r.getDvs(),
                  ChangeOp.newBuilder().setCreatePort(r.getPort()).build(),
                  r.getExpectedGeneration());
          return CreatePortResponse.newBuilder()
              .setPort(c.after().ports().get(r.getPort().getKey()))
              .setGeneration(c.generation())
              .build();
        });
  }

  @Override
  public void updatePort(UpdatePortRequest r, StreamObserver<UpdatePortResponse> out) {
    call(
        out,
        () -> {
          required(r.getKey(), "key");
          present(r.hasSettings() || r.hasUpdateMask(), "settings");
          PortUpdate.Builder update =
              PortUpdate.newBuilder().setKey(r.getKey()).setSettings(r.getSettings());
          if (r.hasUpdateMask()) {
            update.setUpdateMask(r.getUpdateMask());
          }
          ChangeOp op = ChangeOp.newBuilder().setUpdatePort(update).build();
          CommitResult c = commit(r.getDvs(), op, r.getExpectedGeneration());
          return UpdatePortResponse.newBuilder()
              .setPort(c.after().ports().get(r.getKey()))
              .setGeneration(c.generation())
              .setUnchanged(c.unchanged())
              .build();
        });
  }

  @Override
  public void listPorts(ListPortsRequest r, StreamObserver<ListPortsResponse> out) {
    call(
        out,
        () -> {
          DvsConfig c = service.config(required(r.getDvs(), "dvs"));
          List<Port> ports =
              r.getHost().isEmpty()
                  ? List.copyOf(c.ports().values())
                  : c.portsOnHost(ConfigLookup.hostId(c, r.getHost(), service::host));
          String pgId =
              r.getPortGroup().isEmpty()
                  ? null
                  : ConfigLookup.portGroup(c, r.getPortGroup()).getId();
          return ListPortsResponse.newBuilder()
              .setGeneration(c.generation())
              .addAllPorts(
                  ports.stream()
                      .filter(p -> pgId == null || p.getPortGroupId().equals(pgId))
                      .sorted(Comparator.comparing(Port::getKey))
                      .toList())
              .build();
        });
  }

  @Override
  public void deletePort(DeletePortRequest r, StreamObserver<DeletePortResponse> out) {
    call(
        out,
        () -> {
          CommitResult c =
              commit(
                  r.getDvs(),
                  ChangeOp.newBuilder().setDeletePort(required(r.getKey(), "key")).build(),
                  r.getExpectedGeneration());
          return DeletePortResponse.newBuilder().setGeneration(c.generation()).build();
        });
  }

  @Override
  public void commitChangeSet(
      CommitChangeSetRequest r, StreamObserver<CommitChangeSetResponse> out) {
    call(
        out,
        () -> {
          CommitOptions options =
              new CommitOptions(
                  r.getMode() == CommitMode.COMMIT_MODE_ATOMIC, r.getConfirmTimeoutMs());
          if (r.getDryRun()) {
            ConfigService.Preview p =
                service.preview(
                    required(r.getDvs(), "dvs"), r.getOpsList(), r.getExpectedGeneration());
            boolean unchanged = p.plan().changesNothing();
            return CommitChangeSetResponse.newBuilder()
                .setDryRun(true)
                .setUnchanged(unchanged)
                .setGeneration(
                    unchanged ? p.plan().before().generation() : p.plan().after().generation())
                .setHostsAffected(p.hosts().size())
                .addAllHosts(p.hosts())
                .addAllChanges(p.changes())
                .build();
          }
          CommitResult c =
              service.commit(
                  required(r.getDvs(), "dvs"),
                  r.getOpsList(),
                  r.getExpectedGeneration(),
                  r.getDescription(),
                  options);
          CommitChangeSetResponse.Builder b =
              CommitChangeSetResponse.newBuilder()
                  .setGeneration(c.generation())
                  .setHostsAffected(c.hostsAffected())
                  .setOutcome(c.outcome())
                  .setDetail(c.detail())
                  .setUnchanged(c.unchanged());
          if (c.outcome() == CommitOutcome.COMMIT_OUTCOME_ABORTED) {
            b.setRestoredGeneration(c.after().generation());
          }
          return b.build();
        });
  }

  @Override
  public void registerHost(RegisterHostRequest r, StreamObserver<RegisterHostResponse> out) {
    call(
        out,
        () -> {
          required(r.getName(), "name");
          required(r.getEndpoint(), "endpoint");
          return RegisterHostResponse.newBuilder()
              .setHost(service.registerHost(r.getName(), r.getEndpoint()))
              .build();
        });
  }

  @Override
  public void listHosts(ListHostsRequest r, StreamObserver<ListHostsResponse> out) {
    call(out, () -> ListHostsResponse.newBuilder().addAllHosts(service.listHosts()).build());
  }

  @Override
  public void removeHost(RemoveHostRequest r, StreamObserver<RemoveHostResponse> out) {
    call(
        out,
        () -> {
          service.removeHost(required(r.getHost(), "host"));
          return RemoveHostResponse.getDefaultInstance();
        });
  }

  @Override
  public void getPushStatus(GetPushStatusRequest r, StreamObserver<GetPushStatusResponse> out) {
    call(
        out,
        () -> {
          String dvsId = null;
          if (!r.getDvs().isEmpty()) {
            DvsConfig dvs = service.config(r.getDvs());
            owners.requireOwner(dvs.id(), dvs.dvs().getName());
            dvsId = dvs.id();
          }
          GetPushStatusResponse.Builder response =
              GetPushStatusResponse.newBuilder().addAllHosts(push.statusBook().list(dvsId));
          response
              .getHostsBuilderList()
              .forEach(h -> h.setCertNotAfterUnixMs(certExpiry.applyAsLong(h.getHostId())));
          return response.build();
        });
  }

  @Override
  public void getHostDesiredState(
      GetHostDesiredStateRequest r, StreamObserver<GetHostDesiredStateResponse> out) {
    call(out, () -> hosts.desiredState(r));
  }

  @Override
  public void getManagerInfo(GetManagerInfoRequest r, StreamObserver<GetManagerInfoResponse> out) {
    call(out, info::get);
  }

  @Override
  public void listManagers(ListManagersRequest r, StreamObserver<ListManagersResponse> out) {
    call(out, managers::get);
  }

  @Override
  public void getHostHistory(GetHostHistoryRequest r, StreamObserver<GetHostHistoryResponse> out) {
    call(out, () -> hosts.history(r));
  }

  @Override
  public void rollbackHost(RollbackHostRequest r, StreamObserver<RollbackHostResponse> out) {
    call(out, () -> hosts.rollback(r));
  }

  @Override
  public void rectifyHost(RectifyHostRequest r, StreamObserver<RectifyHostResponse> out) {
    call(out, () -> hosts.rectify(r));
  }

  @Override
  public void watchEvents(WatchEventsRequest r, StreamObserver<Event> out) {
    String dvsId;
    try {
      dvsId = r.getDvs().isEmpty() ? "" : service.config(r.getDvs()).id();
    } catch (RuntimeException e) {
      out.onError(StatusMapping.toStatus(e));
      return;
    }
    ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) out;
    Runnable unsubscribe =
        push.events()
            .subscribe(
                r.getAfterSequence(),
                e -> {
                  if (dvsId.isEmpty() || e.getDvsId().equals(dvsId)) {
                    synchronized (call) {
                      call.onNext(e);
                    }
                  }
                });
    call.setOnCancelHandler(unsubscribe::run);
  }

  private CommitResult commit(String dvs, ChangeOp op, long expectedGeneration) {
    return service.commit(required(dvs, "dvs"), List.of(op), expectedGeneration, "");
  }

  private static PortGroup touchedPortGroup(CommitResult c) {
    return c.after().portGroups().get(c.plan().portGroupIds().get(0));
  }
}
