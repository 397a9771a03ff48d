package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.present;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.AddSubnetNetworkRequest;
import io.switchplane.api.v1.AddSubnetNetworkResponse;
import io.switchplane.api.v1.AllocateAddressRequest;
import io.switchplane.api.v1.AllocateAddressResponse;
import io.switchplane.api.v1.CreateSubnetRequest;
import io.switchplane.api.v1.CreateSubnetResponse;
import io.switchplane.api.v1.DeleteSubnetRequest;
import io.switchplane.api.v1.DeleteSubnetResponse;
import io.switchplane.api.v1.FixNicAddressRequest;
import io.switchplane.api.v1.FixNicAddressResponse;
import io.switchplane.api.v1.GetSubnetRequest;
import io.switchplane.api.v1.GetSubnetResponse;
import io.switchplane.api.v1.IpamServiceGrpc;
import io.switchplane.api.v1.ListConflictsRequest;
import io.switchplane.api.v1.ListConflictsResponse;
import io.switchplane.api.v1.ListNicRecordsRequest;
import io.switchplane.api.v1.ListNicRecordsResponse;
import io.switchplane.api.v1.ListSubnetsRequest;
import io.switchplane.api.v1.ListSubnetsResponse;
import io.switchplane.api.v1.ReleaseAddressRequest;
import io.switchplane.api.v1.ReleaseAddressResponse;
import io.switchplane.api.v1.RemoveSubnetNetworkRequest;
import io.switchplane.api.v1.RemoveSubnetNetworkResponse;
import io.switchplane.api.v1.Subnet;
import io.switchplane.manager.ipam.Ipam;
import java.util.Map;

/** The IPAM API: a thin adapter from proto to {@link Ipam}. */
public final class IpamGrpcService extends IpamServiceGrpc.IpamServiceImplBase {
  private final Ipam ipam;

  public IpamGrpcService(Ipam ipam) {
    this.ipam = ipam;
  }

  @Override
  public void createSubnet(CreateSubnetRequest r, StreamObserver<CreateSubnetResponse> out) {
    call(
        out,
        () -> {
          present(r.hasSubnet(), "subnet");
          Ipam.Created made = ipam.create(r.getSubnet());
          return CreateSubnetResponse.newBuilder()
              .setSubnet(made.subnet())
              .addAllDetected(made.detected())
              .build();
        });
  }

  @Override
  public void listSubnets(ListSubnetsRequest r, StreamObserver<ListSubnetsResponse> out) {
    call(out, () -> ListSubnetsResponse.newBuilder().addAllSubnets(ipam.list()).build());
  }

  @Override
  public void getSubnet(GetSubnetRequest r, StreamObserver<GetSubnetResponse> out) {
    call(
        out,
        () -> {
          Subnet s = ipam.get(required(r.getSubnet(), "subnet"));
          return GetSubnetResponse.newBuilder().setSubnet(s).setUsage(ipam.usage(s)).build();
        });
  }

  @Override
  public void deleteSubnet(DeleteSubnetRequest r, StreamObserver<DeleteSubnetResponse> out) {
    call(
        out,
        () -> {
          ipam.delete(required(r.getSubnet(), "subnet"));
          return DeleteSubnetResponse.getDefaultInstance();
        });
  }

  @Override
  public void addSubnetNetwork(
      AddSubnetNetworkRequest r, StreamObserver<AddSubnetNetworkResponse> out) {
    call(
        out,
        () -> {
          present(r.hasNetwork(), "network");
          return AddSubnetNetworkResponse.newBuilder()
              .setSubnet(ipam.addNetwork(required(r.getSubnet(), "subnet"), r.getNetwork()))
              .build();
        });
  }

  @Override
  public void removeSubnetNetwork(
      RemoveSubnetNetworkRequest r, StreamObserver<RemoveSubnetNetworkResponse> out) {
    call(
        out,
        () -> {
          present(r.hasNetwork(), "network");
          Map.Entry<Subnet, Integer> done =
              ipam.removeNetwork(required(r.getSubnet(), "subnet"), r.getNetwork());
          return RemoveSubnetNetworkResponse.newBuilder()
              .setSubnet(done.getKey())
              .setRecordsKept(done.getValue())
              .build();
        });
  }

  @Override
  public void allocateAddress(
      AllocateAddressRequest r, StreamObserver<AllocateAddressResponse> out) {
    call(out, () -> ipam.allocate(required(r.getSubnet(), "subnet"), r.getVmUuid(), r.getMac()));
  }

  @Override
  public void releaseAddress(ReleaseAddressRequest r, StreamObserver<ReleaseAddressResponse> out) {
    call(
        out,
        () ->
            ReleaseAddressResponse.newBuilder()
                .setRecord(
                    ipam.release(
                        required(r.getSubnet(), "subnet"), required(r.getAddress(), "address")))
                .build());
  }

  @Override
  public void fixNicAddress(FixNicAddressRequest r, StreamObserver<FixNicAddressResponse> out) {
    call(
        out,
        () ->
            FixNicAddressResponse.newBuilder()
                .addAllRecords(ipam.fix(r.getVmUuid(), r.getMac(), r.getAddressesList()))
                .build());
  }

  @Override
  public void listConflicts(ListConflictsRequest r, StreamObserver<ListConflictsResponse> out) {
    call(
        out,
        () ->
            ListConflictsResponse.newBuilder()
                .addAllConflicts(ipam.conflicts(r.getSubnet()))
                .build());
  }

  @Override
  public void listNicRecords(ListNicRecordsRequest r, StreamObserver<ListNicRecordsResponse> out) {
    call(
        out,
        () ->
            ListNicRecordsResponse.newBuilder()
                .addAllRecords(ipam.records(r.getSubnet(), r.getVmUuid()))
                .build());
  }
}
