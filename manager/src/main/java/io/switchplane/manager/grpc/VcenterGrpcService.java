package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.AddVcenterRequest;
import io.switchplane.api.v1.AddVcenterResponse;
import io.switchplane.api.v1.GetVcenterStatusRequest;
import io.switchplane.api.v1.GetVcenterStatusResponse;
import io.switchplane.api.v1.ListVcentersRequest;
import io.switchplane.api.v1.ListVcentersResponse;
import io.switchplane.api.v1.RemoveVcenterRequest;
import io.switchplane.api.v1.RemoveVcenterResponse;
import io.switchplane.api.v1.ShowVmTrackerRequest;
import io.switchplane.api.v1.ShowVmTrackerResponse;
import io.switchplane.api.v1.UpdateVcenterRequest;
import io.switchplane.api.v1.UpdateVcenterResponse;
import io.switchplane.api.v1.VcenterServiceGrpc;
import io.switchplane.api.v1.VmTrackerServiceGrpc;
import io.switchplane.manager.vmtracker.TrackerReports;
import io.switchplane.manager.vmtracker.VmTrackers;

/** The vCenter API: a thin adapter from proto to {@link VmTrackers} and {@link TrackerReports}. */
public final class VcenterGrpcService extends VcenterServiceGrpc.VcenterServiceImplBase {
  private final VmTrackers trackers;
  private final TrackerReports reports;

  public VcenterGrpcService(VmTrackers trackers, TrackerReports reports) {
    this.trackers = trackers;
    this.reports = reports;
  }

  @Override
  public void addVcenter(AddVcenterRequest r, StreamObserver<AddVcenterResponse> out) {
    call(
        out,
        () -> {
          required(r.getVcenter().getName(), "vcenter.name");
          required(r.getVcenter().getUrl(), "vcenter.url");
          return AddVcenterResponse.newBuilder()
              .setVcenter(trackers.add(r.getVcenter(), r.getPassword()))
              .build();
        });
  }

  @Override
  public void updateVcenter(UpdateVcenterRequest r, StreamObserver<UpdateVcenterResponse> out) {
    call(
        out,
        () -> {
          required(r.getVcenter().getName(), "vcenter.name");
          required(r.getVcenter().getUrl(), "vcenter.url");
          return UpdateVcenterResponse.newBuilder()
              .setVcenter(trackers.update(r.getVcenter(), r.getPassword(), r.getExpectedRevision()))
              .build();
        });
  }

  @Override
  public void listVcenters(ListVcentersRequest r, StreamObserver<ListVcentersResponse> out) {
    call(out, () -> ListVcentersResponse.newBuilder().addAllVcenters(trackers.list()).build());
  }

  @Override
  public void removeVcenter(RemoveVcenterRequest r, StreamObserver<RemoveVcenterResponse> out) {
    call(
        out,
        () -> {
          trackers.remove(required(r.getName(), "name"));
          return RemoveVcenterResponse.getDefaultInstance();
        });
  }

  @Override
  public void getVcenterStatus(
      GetVcenterStatusRequest r, StreamObserver<GetVcenterStatusResponse> out) {
    call(
        out,
        () ->
            GetVcenterStatusResponse.newBuilder()
                .addAllStatuses(reports.status(r.getName()))
                .build());
  }

  /** The VM tracker's table; a separate service in the API, served with the vCenter one. */
  public static final class Show extends VmTrackerServiceGrpc.VmTrackerServiceImplBase {
    private final TrackerReports reports;

    public Show(TrackerReports reports) {
      this.reports = reports;
    }

    @Override
    public void showVmTracker(ShowVmTrackerRequest r, StreamObserver<ShowVmTrackerResponse> out) {
      call(out, () -> reports.show(r.getVcenter(), r.getHost(), r.getVm()));
    }
  }
}
