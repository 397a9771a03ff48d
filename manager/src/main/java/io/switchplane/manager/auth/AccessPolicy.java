package io.switchplane.manager.auth;

import io.switchplane.api.v1.Role;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which role each method of the manager's API needs, in one table (NETCONF access control's rule
 * list, Kubernetes RBAC's verbs). Reads and watches need viewer; changes to a switch's content
 * operator; hosts, namespaces, vCenters, recovery and users admin; publishing and changing owned
 * networks (NetworkManagerService) network-manager, a role beside the others ({@link #allows}). A
 * method the table does not know needs admin, so a new method is closed until it is placed here.
 * Health and reflection need nothing.
 */
public final class AccessPolicy {
  private static final Set<String> PUBLIC_SERVICES =
      Set.of(
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection");
  private static final Set<String> PUBLIC_METHODS = Set.of("switchplane.v1.UserService/WhoAmI");

  private static final Map<String, Role> BY_METHOD =
      Map.ofEntries(
          // Reads of the manager's own API.
          Map.entry("switchplane.v1.ManagerService/GetDvs", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/ListDvs", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/GetPortGroup", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/ListPortGroups", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/ListPorts", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/ListHosts", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/GetPushStatus", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/GetHostDesiredState", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/GetManagerInfo", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/ListManagers", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/GetHostHistory", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.ManagerService/WatchEvents", Role.ROLE_VIEWER),
          // Changes to a switch's content.
          Map.entry("switchplane.v1.ManagerService/CreateDvs", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/UpdateDvs", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/DeleteDvs", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/AddDvsMember", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/RemoveDvsMember", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/CreatePortGroup", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/UpdatePortGroup", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/DeletePortGroup", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/CreatePort", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/UpdatePort", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/DeletePort", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/CommitChangeSet", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/RollbackHost", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.ManagerService/RectifyHost", Role.ROLE_OPERATOR),
          // Hosts.
          Map.entry("switchplane.v1.ManagerService/RegisterHost", Role.ROLE_ADMIN),
          Map.entry("switchplane.v1.ManagerService/RemoveHost", Role.ROLE_ADMIN),
          // Snapshots.
          Map.entry("switchplane.v1.SnapshotService/ListSnapshots", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.SnapshotService/GetSnapshot", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.SnapshotService/DiffSnapshots", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.SnapshotService/CreateSnapshot", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.SnapshotService/ImportSnapshot", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.SnapshotService/RestoreSnapshot", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.SnapshotService/DeleteSnapshot", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.SnapshotService/RecoverFromAgents", Role.ROLE_ADMIN),
          // Audit.
          Map.entry("switchplane.v1.AuditService/ListChanges", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.AuditService/GetChange", Role.ROLE_VIEWER),
          // Migration.
          Map.entry("switchplane.v1.MigrationService/Precheck", Role.ROLE_VIEWER),
          // A network manager's networks: only network managers publish and change them.
          Map.entry("switchplane.v1.NetworkManagerService/ListNetworks", Role.ROLE_VIEWER),
          Map.entry(
              "switchplane.v1.NetworkManagerService/PublishNetwork", Role.ROLE_NETWORK_MANAGER),
          Map.entry(
              "switchplane.v1.NetworkManagerService/UpdateNetwork", Role.ROLE_NETWORK_MANAGER),
          Map.entry(
              "switchplane.v1.NetworkManagerService/WithdrawNetwork", Role.ROLE_NETWORK_MANAGER),
          // VM tracker and vCenters.
          Map.entry("switchplane.v1.VmTrackerService/ShowVmTracker", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.VcenterService/ListVcenters", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.VcenterService/GetVcenterStatus", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.VcenterService/AddVcenter", Role.ROLE_ADMIN),
          Map.entry("switchplane.v1.VcenterService/UpdateVcenter", Role.ROLE_ADMIN),
          Map.entry("switchplane.v1.VcenterService/RemoveVcenter", Role.ROLE_ADMIN),
          // IP subnets and addresses.
          Map.entry("switchplane.v1.IpamService/ListSubnets", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.IpamService/GetSubnet", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.IpamService/ListNicRecords", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.IpamService/ListConflicts", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.IpamService/CreateSubnet", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.IpamService/DeleteSubnet", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.IpamService/AddSubnetNetwork", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.IpamService/RemoveSubnetNetwork", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.IpamService/AllocateAddress", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.IpamService/ReleaseAddress", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.IpamService/FixNicAddress", Role.ROLE_OPERATOR),
          Map.entry("switchplane.v1.MigrationService/Migrate", Role.ROLE_OPERATOR),
          // PKI: the CA certificate is public anyway; making the CA and enrollment tokens is for
          // admins.
          Map.entry("switchplane.v1.PkiService/GetCa", Role.ROLE_VIEWER),
          Map.entry("switchplane.v1.PkiService/InitCa", Role.ROLE_ADMIN),
          Map.entry("switchplane.v1.PkiService/CreateEnrollToken", Role.ROLE_ADMIN),
          Map.entry("switchplane.v1.PkiService/IssueUserCertificate", Role.ROLE_ADMIN),
          // Users.
          Map.entry("switchplane.v1.UserService/AddUser", Role.ROLE_ADMIN),
          Map.entry("switchplane.v1.UserService/ListUsers", Role.ROLE_ADMIN),
          Map.entry("switchplane.v1.UserService/RemoveUser", Role.ROLE_ADMIN));

  /** Property reads are viewer, writes operator; namespace registration is admin. */
  private static final Map<String, Role> PROPERTY_SERVICE =
      Map.of("RegisterNamespace", Role.ROLE_ADMIN, "ListNamespaces", Role.ROLE_VIEWER);

  private AccessPolicy() {}

  /** The role a method (full name, "service/Method") needs; empty: none (public). */
  public static Optional<Role> required(String fullMethod) {
    String service = fullMethod.substring(0, Math.max(0, fullMethod.indexOf('/')));
    if (PUBLIC_SERVICES.contains(service) || PUBLIC_METHODS.contains(fullMethod)) {
      return Optional.empty();
    }
    Role role = BY_METHOD.get(fullMethod);
    if (role != null) {
      return Optional.of(role);
    }
    if (service.equals("switchplane.v1.PropertyService")) {
      String method = fullMethod.substring(fullMethod.indexOf('/') + 1);
      return Optional.of(
          PROPERTY_SERVICE.getOrDefault(
              method,
              method.startsWith("Get") || method.startsWith("List") || method.startsWith("Watch")
                  ? Role.ROLE_VIEWER
                  : Role.ROLE_OPERATOR));
    }
    return Optional.of(Role.ROLE_ADMIN);
  }

  /**
   * Whether role includes needed. Viewer, operator and admin each include the ones before; the
   * network-manager role stands beside them: it includes viewer only, and only it includes itself
   * (an admin is no network manager: networks are owned by a network manager's name).
   */
  public static boolean allows(Role role, Role needed) {
    if (needed == Role.ROLE_NETWORK_MANAGER || role == Role.ROLE_NETWORK_MANAGER) {
      return role == needed || needed == Role.ROLE_VIEWER;
    }
    return role.getNumber() >= needed.getNumber();
  }

  /** "viewer", "operator", "admin", "network-manager". */
  public static String label(Role role) {
    return role.name()
        .substring("ROLE_".length())
        .toLowerCase(java.util.Locale.ROOT)
        .replace('_', '-');
  }
}
