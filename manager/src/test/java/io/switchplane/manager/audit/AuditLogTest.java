package io.switchplane.manager.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.switchplane.api.v1.AuditServiceGrpc;
import io.switchplane.api.v1.AuditServiceGrpc.AuditServiceBlockingStub;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.DeleteDvsRequest;
import io.switchplane.api.v1.EntityChange;
import io.switchplane.api.v1.Event;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.FieldValue;
import io.switchplane.api.v1.GetChangeRequest;
import io.switchplane.api.v1.ListChangesRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.Policy;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PortGroupUpdate;
import io.switchplane.api.v1.Vlan;
import io.switchplane.api.v1.VlanSetting;
import io.switchplane.api.v1.WatchEventsRequest;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.grpc.CallerInterceptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log through the API of a manager with its embedded ZooKeeper: who, from where, why,
 * what.
 */
class AuditLogTest {
  @TempDir Path dataDir;
  private SwitchplaneManager manager;
  private ManagedChannel channel;
  private AuditServiceBlockingStub audit;

  @BeforeEach
  void start() {
    manager = new SwitchplaneManager(ManagerConfig.local(dataDir)).start();
    assertThat(manager.awaitLeadership(Duration.ofSeconds(30))).isTrue();
    channel =
        NettyChannelBuilder.forTarget(manager.endpoint(), manager.operatorCredentials()).build();
    audit = AuditServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    manager.close();
  }

  @Test
  void everyGenerationIsRecordedWithWhoFromWhereWhyAndWhatChanged() {
    api("created for the test").createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    api("web for the shop")
        .commitChangeSet(
            CommitChangeSetRequest.newBuilder()
                .setDvs("sw")
                .addOps(ChangeOp.newBuilder().setCreatePortGroup(group("web", 100)))
                .build());
    long g =
        api("ticket 42: move web to VLAN 150")
            .commitChangeSet(
                CommitChangeSetRequest.newBuilder()
                    .setDvs("sw")
                    .addOps(
                        ChangeOp.newBuilder()
                            .setUpdatePortGroup(
                                PortGroupUpdate.newBuilder()
                                    .setPortGroup("web")
                                    .setSettings(group("web", 150))))
                    .build())
            .getGeneration();

    List<ChangeRecord> listed =
        audit.listChanges(ListChangesRequest.newBuilder().setDvs("sw").build()).getRecordsList();
    assertThat(listed).extracting(ChangeRecord::getGeneration).containsExactly(g, g - 1, g - 2);
    assertThat(listed)
        .extracting(ChangeRecord::getKind)
        .containsExactly("change-set", "change-set", "create");
    assertThat(listed)
        .extracting(ChangeRecord::getComment)
        .containsExactly(
            "ticket 42: move web to VLAN 150", "web for the shop", "created for the test");
    assertThat(listed)
        .allSatisfy(
            r -> {
              assertThat(r.getPrincipal()).isEqualTo("anonymous");
              assertThat(r.getClientAddress()).startsWith("127.0.0.1:");
              assertThat(r.getChangesList()).as("listed without the changes").isEmpty();
            });
    assertThat(listed.get(0).getSummary()).isEqualTo("port-group +0 ~1 -0");
    List<Event> events = new java.util.ArrayList<>();
    try {
      ManagerServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(1, TimeUnit.SECONDS)
          .watchEvents(WatchEventsRequest.newBuilder().setDvs("sw").build())
          .forEachRemaining(events::add);
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode())
          .isEqualTo(Status.Code.DEADLINE_EXCEEDED); // the stream stays open
    }
    assertThat(events)
        .filteredOn(e -> e.getKind() == EventKind.EVENT_KIND_CHANGE_COMMITTED)
        .extracting(Event::getGeneration, Event::getPrincipal)
        .contains(org.assertj.core.groups.Tuple.tuple(g, "anonymous"));
    assertThat(events)
        .filteredOn(
            e -> e.getGeneration() == g && e.getKind() == EventKind.EVENT_KIND_CHANGE_COMMITTED)
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getDetail())
                    .startsWith("from 127.0.0.1:")
                    .endsWith(": ticket 42: move web to VLAN 150"));

    ChangeRecord moved =
        audit
            .getChange(GetChangeRequest.newBuilder().setDvs("sw").setGeneration(g).build())
            .getRecord();
    assertThat(moved.getChangesList())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getKind()).isEqualTo(EntityChange.Kind.KIND_CHANGED);
              assertThat(c.getName()).isEqualTo("web");
              assertThat(c.getValuesList())
                  .extracting(FieldValue::getField, FieldValue::getBefore, FieldValue::getAfter)
                  .containsExactly(
                      org.assertj.core.groups.Tuple.tuple(
                          "policy.vlan", "value { access_id: 100 }", "value { access_id: 150 }"));
            });
  }

  @Test
  void aDeletedDvsKeepsItsRecordsUnderItsName() {
    api("").createDvs(CreateDvsRequest.newBuilder().setName("gone").build());
    api("no longer needed").deleteDvs(DeleteDvsRequest.newBuilder().setDvs("gone").build());
    List<ChangeRecord> listed =
        audit.listChanges(ListChangesRequest.newBuilder().setDvs("gone").build()).getRecordsList();
    assertThat(listed)
        .extracting(ChangeRecord::getKind, ChangeRecord::getComment, ChangeRecord::getGeneration)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("delete", "no longer needed", 2L),
            org.assertj.core.groups.Tuple.tuple("create", "", 1L));
  }

  @Test
  void aClientFindsTheChangeItsRequestMadeByTheRequestId() {
    api("").createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    long g =
        withRequestId("cli-7f3a")
            .commitChangeSet(
                CommitChangeSetRequest.newBuilder()
                    .setDvs("sw")
                    .addOps(ChangeOp.newBuilder().setCreatePortGroup(group("web", 100)))
                    .build())
            .getGeneration();
    api("")
        .commitChangeSet(
            CommitChangeSetRequest.newBuilder()
                .setDvs("sw")
                .addOps(ChangeOp.newBuilder().setCreatePortGroup(group("db", 200)))
                .build());

    assertThat(
            audit
                .listChanges(
                    ListChangesRequest.newBuilder().setDvs("sw").setRequestId("cli-7f3a").build())
                .getRecordsList())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getGeneration()).isEqualTo(g);
              assertThat(r.getRequestId()).isEqualTo("cli-7f3a");
            });
    assertThat(
            audit
                .listChanges(
                    ListChangesRequest.newBuilder().setDvs("sw").setRequestId("cli-other").build())
                .getRecordsList())
        .isEmpty();
    assertCode(
        () ->
            withRequestId("not a token!")
                .createDvs(CreateDvsRequest.newBuilder().setName("sw2").build()),
        Status.Code.INVALID_ARGUMENT);
  }

  private ManagerServiceBlockingStub withRequestId(String id) {
    Metadata headers = new Metadata();
    headers.put(CallerInterceptor.REQUEST_ID, id);
    return ManagerServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Test
  void badRequestsAreRefusedAndChangeNothing() {
    assertCode(
        () -> audit.listChanges(ListChangesRequest.newBuilder().setDvs("nope").build()),
        Status.Code.NOT_FOUND);
    assertCode(
        () -> audit.listChanges(ListChangesRequest.newBuilder().setLimit(5000).build()),
        Status.Code.INVALID_ARGUMENT);
    assertCode(
        () -> audit.getChange(GetChangeRequest.newBuilder().setGeneration(1).build()),
        Status.Code.INVALID_ARGUMENT);
    assertCode(
        () ->
            api("x".repeat(Caller.MAX_COMMENT + 1))
                .createDvs(CreateDvsRequest.newBuilder().setName("sw").build()),
        Status.Code.INVALID_ARGUMENT);
    assertThat(audit.listChanges(ListChangesRequest.getDefaultInstance()).getRecordsList())
        .isEmpty();
  }

  private ManagerServiceBlockingStub api(String comment) {
    ManagerServiceBlockingStub stub =
        ManagerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    if (comment.isEmpty()) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(CallerInterceptor.COMMENT, comment.getBytes(StandardCharsets.UTF_8));
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  private static PortGroup group(String name, int vid) {
    return PortGroup.newBuilder()
        .setName(name)
        .setPolicy(
            Policy.newBuilder()
                .setVlan(VlanSetting.newBuilder().setValue(Vlan.newBuilder().setAccessId(vid))))
        .build();
  }
}
