package io.switchplane.common.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void delaysDoubleFromTheInitialOneUpToTheCap() {
    Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(350));
    assertThat(backoff.retrying()).isFalse();

    assertThat(backoff.nextMs()).isEqualTo(100);
    assertThat(backoff.retrying()).isTrue();
    assertThat(backoff.nextMs()).isEqualTo(200);
    assertThat(backoff.nextMs()).isEqualTo(350);
    assertThat(backoff.next()).isEqualTo(Duration.ofMillis(350));
  }

  @Test
  void resetStartsAgainAtTheInitialDelay() {
    Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));
    backoff.nextMs();
    backoff.nextMs();

    backoff.reset();

    assertThat(backoff.retrying()).isFalse();
    assertThat(backoff.nextMs()).isEqualTo(100);
  }

  @Test
  void jitterTakesAtMostItsFractionOffEachDelay() {
    Backoff backoff = new Backoff(Duration.ofSeconds(100), Duration.ofSeconds(350), 0.2);
    long[] steps = {100_000, 200_000, 350_000, 350_000};
    for (long step : steps) {
      assertThat(backoff.nextMs()).isBetween(step - step / 5, step);
    }
  }

  @Test
  void jitterSpreadsTheDelays() {
    Backoff backoff = new Backoff(Duration.ofSeconds(100), Duration.ofSeconds(100), 0.2);
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      seen.add(backoff.nextMs());
    }
    assertThat(seen).hasSizeGreaterThan(1);
  }

  @Test
  void aDelayIsAtLeastOneMillisecond() {
    Backoff backoff = new Backoff(Duration.ofNanos(1), Duration.ofNanos(1));
    assertThat(backoff.nextMs()).isEqualTo(1);
  }

  @Test
  void nonsenseBoundsAreRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 1.0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
