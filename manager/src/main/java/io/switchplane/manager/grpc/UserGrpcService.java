package io.switchplane.manager.grpc;

import static io.switchplane.manager.grpc.Unary.call;
import static io.switchplane.manager.grpc.Unary.required;

import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.AddUserRequest;
import io.switchplane.api.v1.AddUserResponse;
import io.switchplane.api.v1.ListUsersRequest;
import io.switchplane.api.v1.ListUsersResponse;
import io.switchplane.api.v1.RemoveUserRequest;
import io.switchplane.api.v1.RemoveUserResponse;
import io.switchplane.api.v1.UserServiceGrpc;
import io.switchplane.api.v1.WhoAmIRequest;
import io.switchplane.api.v1.WhoAmIResponse;
import io.switchplane.manager.auth.Users;

/** The UserService over gRPC: a thin adapter to {@link Users}. */
public final class UserGrpcService extends UserServiceGrpc.UserServiceImplBase {
  private final Users users;

  public UserGrpcService(Users users) {
    this.users = users;
  }

  @Override
  public void addUser(AddUserRequest r, StreamObserver<AddUserResponse> out) {
    call(out, () -> users.add(required(r.getName(), "name"), r.getRole(), r.getDvsScopeList()));
  }

  @Override
  public void listUsers(ListUsersRequest r, StreamObserver<ListUsersResponse> out) {
    call(out, () -> ListUsersResponse.newBuilder().addAllUsers(users.list()).build());
  }

  @Override
  public void removeUser(RemoveUserRequest r, StreamObserver<RemoveUserResponse> out) {
    call(
        out,
        () -> {
          users.remove(required(r.getName(), "name"));
          return RemoveUserResponse.getDefaultInstance();
        });
  }

  @Override
  public void whoAmI(WhoAmIRequest r, StreamObserver<WhoAmIResponse> out) {
    call(out, users::whoAmI);
  }
}
