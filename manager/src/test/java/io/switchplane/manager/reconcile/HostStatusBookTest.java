package io.switchplane.manager.reconcile;

import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_AWAITING_CONFIRM;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_IN_SYNC;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_PENDING;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_PUSHING;
import static io.switchplane.api.v1.HostSyncState.HOST_SYNC_STATE_UNREACHABLE;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HostStatusBookTest {
  private static final Function<String, String> NAMES = id -> "name-" + id;
  private final HostStatusBook book = new HostStatusBook();

  @Test
  void tracksAPushThroughItsStates() {
    book.commit("d", "dvs", 1, List.of("a"), Set.of("a"), NAMES);
    assertThat(book.get("d", "a"))
        .get()
        .extracting(HostPushStatus::getState)
        .isEqualTo(HOST_SYNC_STATE_PENDING);

    book.pushing("d", "a");
    assertThat(book.get("d", "a").orElseThrow().getState()).isEqualTo(HOST_SYNC_STATE_PUSHING);
    book.failed("d", "a", HOST_SYNC_STATE_UNREACHABLE, "down", 5);
    book.pushing("d", "a");
    book.pushed("d", "a", 1, ChangeSummary.newBuilder().setAdded(3).build(), 7, 1);

    HostPushStatus s = book.get("d", "a").orElseThrow();
    assertThat(s.getState()).isEqualTo(HOST_SYNC_STATE_IN_SYNC);
    assertThat(s.getAttempts()).isEqualTo(2);
    assertThat(s.getAppliedGeneration()).isEqualTo(1);
    assertThat(s.getDesiredGeneration()).isEqualTo(1);
    assertThat(s.getLastError()).isEmpty();
    assertThat(s.getLastPushUnixMs()).isEqualTo(7);
    assertThat(s.getLastSummary().getAdded()).isEqualTo(3);
    assertThat(s.getHostName()).isEqualTo("name-a");
  }

  @Test
  void aConfirmOverdueMakesOnlyTheApplyStillAwaitingItUnreachable() {
    book.commit("d", "dvs", 1, List.of("a", "b"), Set.of("a", "b"), NAMES);
    book.awaitingConfirm("d", "a", 1, ChangeSummary.newBuilder().setAdded(2).build(), 1, 5_000);
    book.awaitingConfirm("d", "b", 1, ChangeSummary.getDefaultInstance(), 1, 5_000);
    book.pushed(
        "d", "b", 1, null, 2, 1); // b's confirm arrived just before its deadline watch fired

    book.confirmOverdue("d", "a", 4_000, "another apply's deadline", 6);
    assertThat(book.get("d", "a").orElseThrow().getState())
        .isEqualTo(HOST_SYNC_STATE_AWAITING_CONFIRM);
    book.confirmOverdue("d", "a", 5_000, "past its deadline", 6);
    book.confirmOverdue("d", "b", 5_000, "past its deadline", 6);

    HostPushStatus a = book.get("d", "a").orElseThrow();
    assertThat(a.getState()).isEqualTo(HOST_SYNC_STATE_UNREACHABLE);
    assertThat(a.getLastError()).isEqualTo("past its deadline");
    assertThat(a.getLastSummary().getAdded()).isEqualTo(2);
    assertThat(book.get("d", "b").orElseThrow().getState()).isEqualTo(HOST_SYNC_STATE_IN_SYNC);
  }

  @Test
  void unchangedMembersStayInSyncWithTheNewDesiredGeneration() {
    book.commit("d", "dvs", 1, List.of("a", "b"), Set.of("a", "b"), NAMES);
    book.pushed("d", "a", 1, ChangeSummary.getDefaultInstance(), 1, 1);
    book.pushed("d", "b", 1, ChangeSummary.getDefaultInstance(), 1, 1);

    book.commit("d", "dvs", 2, List.of("a", "b"), Set.of("b"), NAMES);

    assertThat(book.get("d", "a").orElseThrow())
        .extracting(
            HostPushStatus::getState,
            HostPushStatus::getDesiredGeneration,
            HostPushStatus::getAppliedGeneration)
        .containsExactly(HOST_SYNC_STATE_IN_SYNC, 2L, 1L);
    assertThat(book.get("d", "b").orElseThrow().getState()).isEqualTo(HOST_SYNC_STATE_PENDING);
  }

  @Test
  void aHostAChangeDidNotTouchHoldsTheNewGenerationsContentAtItsOlderGeneration() {
    book.commit("d", "dvs", 9, List.of("a", "b"), Set.of("a", "b"), NAMES);
    book.pushed("d", "a", 9, ChangeSummary.getDefaultInstance(), 1, 9);
    book.pushed("d", "b", 9, ChangeSummary.getDefaultInstance(), 1, 9);

    book.commit("d", "dvs", 10, List.of("a", "b"), Set.of("b"), NAMES);
    assertThat(book.holdsContentOf("d", "a", 10)).as("untouched, applied 9: as wanted").isTrue();
    assertThat(book.holdsContentOf("d", "b", 10)).as("changed, not pushed yet").isFalse();

    book.awaitingConfirm("d", "b", 10, ChangeSummary.getDefaultInstance(), 2, 30_000);
    assertThat(book.holdsContentOf("d", "b", 10)).as("applied, only the confirm to come").isTrue();
    book.failed("d", "b", HostSyncState.HOST_SYNC_STATE_FAILED, "refused", 3);
    assertThat(book.holdsContentOf("d", "b", 10)).isFalse();
    assertThat(book.holdsContentOf("d", "a", 11))
        .as("a generation the book has not taken in")
        .isFalse();
    assertThat(book.holdsContentOf("d", "c", 10)).as("not a member").isFalse();
    assertThat(book.holdsContentOf("other", "a", 10)).isFalse();
  }

  @Test
  void whenInSyncWaitsForEveryMemberAndTheGeneration() {
    book.commit("d", "dvs", 1, List.of("a", "b"), Set.of("a", "b"), NAMES);
    CompletableFuture<Void> one = book.whenInSync("d", 1);
    CompletableFuture<Void> two = book.whenInSync("d", 2);

    book.pushed("d", "a", 1, ChangeSummary.getDefaultInstance(), 1, 1);
    assertThat(one).isNotDone();
    book.pushed("d", "b", 1, ChangeSummary.getDefaultInstance(), 1, 1);
    assertThat(one).succeedsWithin(Duration.ZERO);
    assertThat(two).isNotDone();

    book.commit("d", "dvs", 2, List.of("a", "b"), Set.of(), NAMES);
    assertThat(two).succeedsWithin(Duration.ZERO);
  }

  @Test
  void whenSettledCompletesPerHostOnItsConfirmOrRollbackAndFailsWhenItLeaves() {
    book.commit("d", "dvs", 1, List.of("a", "b", "c"), Set.of("a", "b", "c"), NAMES);
    CompletableFuture<HostPushStatus> a = book.whenSettled("d", "a", 1);
    CompletableFuture<HostPushStatus> b = book.whenSettled("d", "b", 1);
    CompletableFuture<HostPushStatus> c = book.whenSettled("d", "c", 1);

    book.awaitingConfirm("d", "a", 1, ChangeSummary.getDefaultInstance(), 1, 5_000);
    assertThat(a).as("applied, not confirmed").isNotDone();
    book.pushed("d", "a", 1, ChangeSummary.getDefaultInstance(), 2, 1);
    assertThat(a)
        .succeedsWithin(Duration.ZERO)
        .extracting(HostPushStatus::getState)
        .isEqualTo(HOST_SYNC_STATE_IN_SYNC);
    assertThat(b).as("a's confirm settles a only").isNotDone();

    book.rolledBack(
        "d", "b", io.switchplane.api.v1.RollbackEvent.getDefaultInstance(), "rolled back", 3);
    assertThat(b)
        .succeedsWithin(Duration.ZERO)
        .extracting(HostPushStatus::getState)
        .isEqualTo(HostSyncState.HOST_SYNC_STATE_ROLLED_BACK);

    book.commit("d", "dvs", 2, List.of("a", "b"), Set.of(), NAMES);
    assertThat(c).as("c left the DVS").isCompletedExceptionally();
    assertThat(book.whenSettled("d", "a", 2))
        .as("a is in sync and the commit did not change it")
        .isDone();
  }

  @Test
  void realizedListenersHearChangesOnly() {
    book.commit("d", "dvs", 1, List.of("a"), Set.of("a"), NAMES);
    List<List<String>> heard = new java.util.ArrayList<>();
    book.addRealizedListener((dvs, host, ids) -> heard.add(ids));

    // Each Apply's answer carries the logical networks the host realizes.
    java.util.function.Consumer<List<String>> answered =
        ids -> book.applied("d", "a", 1, null, List.of(), ids, 1, 5_000);
    answered.accept(List.of());
    answered.accept(List.of("n1", "n2"));
    answered.accept(List.of("n2", "n1"));
    answered.accept(List.of("n2", "n1"));
    answered.accept(List.of("n1"));

    assertThat(heard)
        .as("the first report (even empty), then each change; the same set again is no change")
        .containsExactly(List.of(), List.of("n1", "n2"), List.of("n1"));
    assertThat(book.realizedReported("d", "a")).contains(List.of("n1"));
    assertThat(book.realizedReported("d", "other")).isEmpty();
  }

  @Test
  void anApplyAnswerIsRecordedInOneStep() {
    book.commit("d", "dvs", 1, List.of("a"), Set.of("a"), NAMES);
    List<List<String>> heard = new java.util.ArrayList<>();
    book.addRealizedListener((dvs, host, ids) -> heard.add(ids));
    book.pushing("d", "a");

    ChangeSummary summary = ChangeSummary.newBuilder().setUpdated(4).build();
    book.applied("d", "a", 1, summary, List.of("ns"), List.of("n1"), 9, 30_000);
    book.applied("d", "a", 1, summary, List.of("ns"), List.of("n1"), 10, 30_000);

    HostPushStatus s = book.get("d", "a").orElseThrow();
    assertThat(s.getState()).isEqualTo(HOST_SYNC_STATE_AWAITING_CONFIRM);
    assertThat(s.getAppliedGeneration()).isEqualTo(1);
    assertThat(s.getLastSummary().getUpdated()).isEqualTo(4);
    assertThat(s.getUnclaimedNamespacesList()).containsExactly("ns");
    assertThat(s.getRealizedLogicalNetworksList()).containsExactly("n1");
    assertThat(s.getConfirmDeadlineUnixMs()).isEqualTo(30_000);
    assertThat(s.getLastPushUnixMs()).isEqualTo(10);
    assertThat(heard).as("the same networks again are no change").containsExactly(List.of("n1"));

    book.applied("d", "a", 1, summary, List.of(), List.of("n2"), 11, 30_000);
    assertThat(book.get("d", "a").orElseThrow().getUnclaimedNamespacesList()).isEmpty();
    assertThat(heard).containsExactly(List.of("n1"), List.of("n2"));
  }

  @Test
  void aPushThatEndsAfterANewerCommitWasRecordedIsNotInSync() {
    // The pusher may still believe generation 1 is the newest when it ends: the book decides.
    book.commit("d", "dvs", 1, List.of("a"), Set.of("a"), NAMES);
    book.pushing("d", "a");
    book.commit("d", "dvs", 2, List.of("a"), Set.of("a"), NAMES);
    CompletableFuture<Void> two = book.whenInSync("d", 2);

    book.pushed("d", "a", 1, ChangeSummary.getDefaultInstance(), 1, 1);
    assertThat(book.get("d", "a").orElseThrow().getState()).isEqualTo(HOST_SYNC_STATE_PENDING);
    assertThat(two).isNotDone();
    book.alreadyInSync("d", "a", 1, 1);
    assertThat(two).isNotDone();

    book.pushed("d", "a", 2, ChangeSummary.getDefaultInstance(), 2, 2);
    assertThat(two).succeedsWithin(Duration.ZERO);
  }

  @Test
  void driftMakesASettledHostOutOfSyncAndAPushInProgressWins() {
    book.commit("d", "dvs", 1, List.of("a"), Set.of("a"), NAMES);
    book.pushed("d", "a", 1, ChangeSummary.getDefaultInstance(), 1, 1);

    book.drift("d", "a", 1, List.of("p1"), "drifted");
    HostPushStatus s = book.get("d", "a").orElseThrow();
    assertThat(s.getState()).isEqualTo(HostSyncState.HOST_SYNC_STATE_OUT_OF_SYNC);
    assertThat(s.getDriftedPortKeysList()).containsExactly("p1");
    assertThat(book.whenInSync("d", 1)).isNotDone();

    book.drift("d", "a", 1, List.of(), "");
    assertThat(book.get("d", "a").orElseThrow().getState()).isEqualTo(HOST_SYNC_STATE_IN_SYNC);

    book.pushing("d", "a");
    book.drift("d", "a", 1, List.of("p1"), "drifted"); // a stale look at the switch: ignored
    assertThat(book.get("d", "a").orElseThrow().getState()).isEqualTo(HOST_SYNC_STATE_PUSHING);
  }

  @Test
  void leftMembersAreDroppedAndListIsSorted() {
    book.commit("d2", "beta", 1, List.of("x"), Set.of("x"), NAMES);
    book.commit("d1", "alpha", 1, List.of("b", "a", "c"), Set.of("a", "b", "c"), NAMES);
    book.commit("d1", "alpha", 2, List.of("b", "a"), Set.of(), NAMES);

    assertThat(book.list(null))
        .extracting(HostPushStatus::getDvsName, HostPushStatus::getHostId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("alpha", "a"),
            org.assertj.core.groups.Tuple.tuple("alpha", "b"),
            org.assertj.core.groups.Tuple.tuple("beta", "x"));
    assertThat(book.list("d2")).hasSize(1);
    assertThat(book.list("nope")).isEmpty();
  }

  @Test
  void clearFailsWaitersAndForgetCompletesThem() {
    book.commit("d", "dvs", 1, List.of("a"), Set.of("a"), NAMES);
    CompletableFuture<Void> lost = book.whenInSync("d", 1);
    book.clear();
    assertThat(lost).isCompletedExceptionally();
    assertThat(book.list(null)).isEmpty();

    book.commit("d", "dvs", 1, List.of("a"), Set.of("a"), NAMES);
    CompletableFuture<Void> gone = book.whenInSync("d", 1);
    book.forget("d");
    assertThat(gone).succeedsWithin(Duration.ZERO);
  }
}
