package io.switchplane.manager.leader;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailoverBudgetTest {
  @Test
  void aWindowSurvivesALeaderFailureWhenSessionTimeoutAndSettleFitInItsFirstHalf() {
    FailoverBudget threeSeconds = new FailoverBudget(Duration.ofSeconds(3));
    assertThat(threeSeconds.smallestWindow()).isEqualTo(Duration.ofSeconds(10));
    assertThat(threeSeconds.survivable(10_000)).isTrue();
    assertThat(threeSeconds.survivable(9_999)).isFalse();

    FailoverBudget defaults = new FailoverBudget(Duration.ofSeconds(10));
    assertThat(defaults.survivable(30_000))
        .as("the default window with the default session timeout")
        .isTrue();
    assertThat(defaults.survivable(15_000)).isFalse();
    assertThat(new FailoverBudget(Duration.ofSeconds(14)).survivable(30_000)).isFalse();
  }
}
