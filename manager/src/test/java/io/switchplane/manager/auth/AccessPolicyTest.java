package io.switchplane.manager.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.switchplane.api.v1.AuditServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.PropertyServiceGrpc;
import io.switchplane.api.v1.Role;
import io.switchplane.api.v1.SnapshotServiceGrpc;
import io.switchplane.api.v1.UserServiceGrpc;
import io.switchplane.api.v1.VcenterServiceGrpc;
import io.switchplane.api.v1.VmTrackerServiceGrpc;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
  private static final List<ServiceDescriptor> SERVED =
      List.of(
          ManagerServiceGrpc.getServiceDescriptor(),
          SnapshotServiceGrpc.getServiceDescriptor(),
          AuditServiceGrpc.getServiceDescriptor(),
          PropertyServiceGrpc.getServiceDescriptor(),
          VcenterServiceGrpc.getServiceDescriptor(),
          VmTrackerServiceGrpc.getServiceDescriptor(),
          UserServiceGrpc.getServiceDescriptor(),
          io.switchplane.api.v1.PkiServiceGrpc.getServiceDescriptor(),
          io.switchplane.api.v1.IpamServiceGrpc.getServiceDescriptor(),
          io.switchplane.api.v1.MigrationServiceGrpc.getServiceDescriptor(),
          io.switchplane.api.v1.NetworkManagerServiceGrpc.getServiceDescriptor());

  @Test
  void everyReadIsForViewersAndNothingElseIs() {
    for (ServiceDescriptor s : SERVED) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        String name = m.getBareMethodName();
        boolean read =
            name.startsWith("Get")
                || name.startsWith("List")
                || name.startsWith("Watch")
                || name.startsWith("Show")
                || name.startsWith("Diff")
                || name.equals("Precheck");
        if (m.getFullMethodName().endsWith("UserService/WhoAmI")) {
          assertThat(AccessPolicy.required(m.getFullMethodName())).as(name).isEmpty();
        } else if (m.getFullMethodName().endsWith("UserService/ListUsers")) {
          assertThat(AccessPolicy.required(m.getFullMethodName()))
              .as(name)
              .contains(Role.ROLE_ADMIN);
        } else if (read) {
          assertThat(AccessPolicy.required(m.getFullMethodName()))
              .as(m.getFullMethodName())
              .contains(Role.ROLE_VIEWER);
        } else {
          assertThat(AccessPolicy.required(m.getFullMethodName()))
              .as(m.getFullMethodName())
              .get()
              .isIn(
                  s.getName().equals("switchplane.v1.NetworkManagerService")
                      ? List.of(Role.ROLE_NETWORK_MANAGER)
                      : List.of(Role.ROLE_OPERATOR, Role.ROLE_ADMIN));
        }
      }
    }
  }

  @Test
  void hostsNamespacesVcentersRecoveryAndUsersAreForAdmins() {
    for (String m :
        List.of(
            "switchplane.v1.ManagerService/RegisterHost",
            "switchplane.v1.ManagerService/RemoveHost",
            "switchplane.v1.PropertyService/RegisterNamespace",
            "switchplane.v1.VcenterService/AddVcenter",
            "switchplane.v1.SnapshotService/RecoverFromAgents",
            "switchplane.v1.UserService/AddUser",
            "switchplane.v1.SomeNewService/Anything")) {
      assertThat(AccessPolicy.required(m)).as(m).contains(Role.ROLE_ADMIN);
    }
    assertThat(AccessPolicy.required("switchplane.v1.ManagerService/CommitChangeSet"))
        .contains(Role.ROLE_OPERATOR);
    assertThat(AccessPolicy.required("switchplane.v1.PropertyService/SetProperty"))
        .contains(Role.ROLE_OPERATOR);
    assertThat(AccessPolicy.required("grpc.health.v1.Health/Check")).isEmpty();
    assertThat(AccessPolicy.allows(Role.ROLE_ADMIN, Role.ROLE_OPERATOR)).isTrue();
    assertThat(AccessPolicy.allows(Role.ROLE_VIEWER, Role.ROLE_OPERATOR)).isFalse();
  }

  @Test
  void aNetworkManagerReadsAndPublishesAndNothingElseAndNoOtherRolePublishes() {
    Role nm = Role.ROLE_NETWORK_MANAGER;
    assertThat(AccessPolicy.allows(nm, Role.ROLE_VIEWER)).isTrue();
    assertThat(AccessPolicy.allows(nm, nm)).isTrue();
    assertThat(AccessPolicy.allows(nm, Role.ROLE_OPERATOR)).isFalse();
    assertThat(AccessPolicy.allows(nm, Role.ROLE_ADMIN)).isFalse();
    for (Role r : List.of(Role.ROLE_VIEWER, Role.ROLE_OPERATOR, Role.ROLE_ADMIN)) {
      assertThat(AccessPolicy.allows(r, nm)).as(r.name()).isFalse();
    }
    assertThat(AccessPolicy.required("switchplane.v1.NetworkManagerService/PublishNetwork"))
        .contains(nm);
    assertThat(AccessPolicy.required("switchplane.v1.NetworkManagerService/ListNetworks"))
        .contains(Role.ROLE_VIEWER);
    assertThat(AccessPolicy.label(nm)).isEqualTo("network-manager");
  }
}
