package io.switchplane.manager.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.switchplane.api.v1.AddUserRequest;
import io.switchplane.api.v1.AuditServiceGrpc;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.EntityKind;
import io.switchplane.api.v1.EntityRef;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.api.v1.ListChangesRequest;
import io.switchplane.api.v1.ListDvsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyServiceGrpc;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.RegisterNamespaceRequest;
import io.switchplane.api.v1.RemoveUserRequest;
import io.switchplane.api.v1.Role;
import io.switchplane.api.v1.SetPropertyRequest;
import io.switchplane.api.v1.UserServiceGrpc;
import io.switchplane.api.v1.UserServiceGrpc.UserServiceBlockingStub;
import io.switchplane.api.v1.WhoAmIRequest;
import io.switchplane.api.v1.WhoAmIResponse;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operators, tokens and roles against a real manager over real sockets. */
class OperatorAccessTest {
  @TempDir Path dataDir;
  private SwitchplaneManager manager;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    manager = new SwitchplaneManager(ManagerConfig.local(dataDir)).start();
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    channel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    manager.close();
  }

  @Test
  void withoutOperatorsEveryCallerIsAnAnonymousAdminAndTheFirstOperatorClosesTheManager() {
    WhoAmIResponse open = users(null).whoAmI(WhoAmIRequest.getDefaultInstance());
    assertThat(open.getOpen()).isTrue();
    assertThat(open.getPrincipal()).isEqualTo("anonymous");
    assertThat(open.getRole()).isEqualTo(Role.ROLE_ADMIN);
    api(null).createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    api(null).createDvs(CreateDvsRequest.newBuilder().setName("other").build());

    String admin =
        users(null)
            .addUser(AddUserRequest.newBuilder().setName("alice").setRole(Role.ROLE_ADMIN).build())
            .getToken();
    assertThat(admin).startsWith("spt_");

    assertCode(
        () -> api(null).listDvs(ListDvsRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED,
        "switchplane login");
    assertCode(
        () -> api("spt_forged").listDvs(ListDvsRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED,
        "no operator holds this token");
    assertThat(users(admin).whoAmI(WhoAmIRequest.getDefaultInstance()))
        .satisfies(w -> assertThat(w.getOpen()).isFalse())
        .extracting(WhoAmIResponse::getPrincipal)
        .isEqualTo("alice");
    assertThat(manager.pushEngine().metrics().render())
        .contains(
            "switchplane_manager_auth_failures_total{reason=\"missing\"} 1.0",
            "switchplane_manager_auth_failures_total{reason=\"unknown\"} 1.0");
  }

  @Test
  void rolesAndScopesDecideAndTheAuditRowNamesTheCaller() {
    api(null).createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    api(null).createDvs(CreateDvsRequest.newBuilder().setName("other").build());
    String admin = token("alice", Role.ROLE_ADMIN, List.of(), null);
    String viewer = token("victor", Role.ROLE_VIEWER, List.of(), admin);
    String operator = token("olga", Role.ROLE_OPERATOR, List.of("sw"), admin);
    long before =
        api(admin).getDvs(GetDvsRequest.newBuilder().setDvs("sw").build()).getDvs().getGeneration();

    assertThat(api(viewer).listDvs(ListDvsRequest.getDefaultInstance()).getSwitchesCount())
        .isEqualTo(2);
    assertCode(
        () -> api(viewer).commitChangeSet(webOn("sw")),
        Status.Code.PERMISSION_DENIED,
        "victor is viewer; CommitChangeSet needs operator");
    assertCode(
        () ->
            api(operator)
                .registerHost(
                    RegisterHostRequest.newBuilder()
                        .setName("h9")
                        .setEndpoint("127.0.0.1:1")
                        .build()),
        Status.Code.PERMISSION_DENIED,
        "olga is operator; RegisterHost needs admin");
    assertCode(
        () -> api(operator).commitChangeSet(webOn("other")),
        Status.Code.PERMISSION_DENIED,
        "olga may change only the DVSes of its scope, not 'other'");
    assertThat(
            api(admin)
                .getDvs(GetDvsRequest.newBuilder().setDvs("sw").build())
                .getDvs()
                .getGeneration())
        .as("refusals change nothing")
        .isEqualTo(before);

    long g = api(operator).commitChangeSet(webOn("sw")).getGeneration();
    ChangeRecord row =
        AuditServiceGrpc.newBlockingStub(channel)
            .withInterceptors(bearer(viewer))
            .listChanges(ListChangesRequest.newBuilder().setDvs("sw").setLimit(1).build())
            .getRecords(0);
    assertThat(row.getGeneration()).isEqualTo(g);
    assertThat(row.getPrincipal()).isEqualTo("olga");

    users(admin).removeUser(RemoveUserRequest.newBuilder().setName("olga").build());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertCode(
                    () -> api(operator).listDvs(ListDvsRequest.getDefaultInstance()),
                    Status.Code.UNAUTHENTICATED,
                    "no operator"));
    assertCode(
        () ->
            users(admin)
                .addUser(
                    AddUserRequest.newBuilder()
                        .setName("Bad Name")
                        .setRole(Role.ROLE_VIEWER)
                        .build()),
        Status.Code.INVALID_ARGUMENT,
        "not allowed");
    assertCode(
        () ->
            users(admin)
                .addUser(
                    AddUserRequest.newBuilder()
                        .setName("zed")
                        .setRole(Role.ROLE_VIEWER)
                        .addDvsScope("nope")
                        .build()),
        Status.Code.NOT_FOUND,
        "DVS 'nope' not found");
    assertCode(
        () ->
            users(admin)
                .addUser(
                    AddUserRequest.newBuilder()
                        .setName("victor")
                        .setRole(Role.ROLE_VIEWER)
                        .build()),
        Status.Code.ALREADY_EXISTS,
        "exists already");
  }

  @Test
  void anApplicationsNamespaceIsWrittenOnlyByItsOwnerOrAnAdmin() {
    api(null).createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    String admin = token("alice", Role.ROLE_ADMIN, List.of(), null);
    String app = token("qos-app", Role.ROLE_OPERATOR, List.of(), admin);
    String other = token("olga", Role.ROLE_OPERATOR, List.of(), admin);
    PropertyServiceGrpc.newBlockingStub(channel)
        .withInterceptors(bearer(admin))
        .registerNamespace(
            RegisterNamespaceRequest.newBuilder()
                .setName("com.example.qos")
                .setOwner("qos-app")
                .build());

    assertCode(
        () -> props(other).setProperty(set("com.example.qos")),
        Status.Code.PERMISSION_DENIED,
        "namespace 'com.example.qos' belongs to qos-app (registered by alice)");
    long g1 = props(app).setProperty(set("com.example.qos")).getGeneration();
    long g2 = props(admin).setProperty(set("com.example.qos")).getGeneration();
    long g3 = props(other).setProperty(set("io.switchplane.qos")).getGeneration();
    assertThat(List.of(g1, g2, g3)).as("owner, admin, and anyone on Switchplane's own").isSorted();
  }

  private PropertyServiceGrpc.PropertyServiceBlockingStub props(String token) {
    return PropertyServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .withInterceptors(bearer(token));
  }

  private static SetPropertyRequest set(String namespace) {
    return SetPropertyRequest.newBuilder()
        .setDvs("sw")
        .setEntity(EntityRef.newBuilder().setKind(EntityKind.ENTITY_KIND_DVS))
        .setNamespace(namespace)
        .setKey("rate-kbps")
        .setValue(com.google.protobuf.ByteString.copyFromUtf8("1000"))
        .build();
  }

  private String token(String name, Role role, List<String> scope, String as) {
    return users(as)
        .addUser(
            AddUserRequest.newBuilder().setName(name).setRole(role).addAllDvsScope(scope).build())
        .getToken();
  }

  private static CommitChangeSetRequest webOn(String dvs) {
    return CommitChangeSetRequest.newBuilder()
        .setDvs(dvs)
        .addOps(ChangeOp.newBuilder().setCreatePortGroup(PortGroup.newBuilder().setName("web")))
        .build();
  }

  private ManagerServiceBlockingStub api(String token) {
    return with(
        ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS), token);
  }

  private UserServiceBlockingStub users(String token) {
    return with(
        UserServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS), token);
  }

  private static <S extends AbstractStub<S>> S with(S stub, String token) {
    return token == null ? stub : stub.withInterceptors(bearer(token));
  }

  private static io.grpc.ClientInterceptor bearer(String token) {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(h);
  }

  private static void assertCode(Runnable call, Status.Code code, String text) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(text);
            });
  }
}
