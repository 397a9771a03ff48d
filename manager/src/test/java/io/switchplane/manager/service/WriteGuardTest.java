package io.switchplane.manager.service;

import static io.switchplane.manager.ManagerFixtures.failure;
import static io.switchplane.manager.ManagerFixtures.leaderView;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.common.error.ErrorCode;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class WriteGuardTest {
  @Test
  void aFollowerNamesTheLeaderOrSaysWhyThereIsNone() {
    assertThat(
            failure(ErrorCode.UNAVAILABLE, () -> new WriteGuard(leaderView("m1", "m2")).require()))
        .hasMessage("not the leader; the leader is m2");
    assertThat(failure(ErrorCode.UNAVAILABLE, () -> new WriteGuard(leaderView("m1", "")).require()))
        .hasMessage("not the leader; no leader is elected yet, retry shortly");
    assertThat(
            failure(ErrorCode.UNAVAILABLE, () -> new WriteGuard(leaderView("m1", "m1")).require()))
        .hasMessage("this manager was just elected leader and is loading its state; retry shortly");
  }

  @Test
  void aWriteStartedUnderAnEarlierLeadershipIsRefusedUnderTheLock() {
    WriteGuard guard = new WriteGuard(leaderView("m1", "m1"));
    LeaderState first = new LeaderState(List.of());
    guard.lead(first);
    assertThat(guard.require()).isSameAs(first);
    assertThat(guard.locked("d", guard.require(), () -> "done")).isEqualTo("done");

    guard.stepDown();
    guard.lead(new LeaderState(List.of())); // lost and won again: the cache was reloaded
    AtomicBoolean ran = new AtomicBoolean();
    failure(ErrorCode.UNAVAILABLE, () -> guard.locked("d", first, () -> ran.getAndSet(true)));
    assertThat(ran).isFalse();
    failure(ErrorCode.UNAVAILABLE, () -> guard.requireStill(first));
  }
}
