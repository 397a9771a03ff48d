package io.switchplane.manager.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  // Long steps, so that no retry runs while a test looks at the queue.
  private final RetryBackoff retries =
      new RetryBackoff(scheduler, Duration.ofSeconds(100), Duration.ofSeconds(350));

  @AfterEach
  void close() {
    scheduler.shutdownNow();
  }

  @Test
  void stepsDoubleUpToTheMaximumWithAtMostAFifthTakenOffAsJitter() {
    assertThat(retries.retrying()).isFalse();
    long[] steps = {100_000, 200_000, 350_000, 350_000};
    for (long step : steps) {
      assertThat(retries.schedule(() -> {})).isBetween(step - step / 5, step);
      assertThat(retries.retrying()).isTrue();
    }
    retries.reset();
    assertThat(retries.retrying()).isFalse();
    assertThat(retries.schedule(() -> {})).isBetween(80_000L, 100_000L);
  }

  @Test
  void cancelDropsTheScheduledRetryOnlyOnce() {
    scheduler.setRemoveOnCancelPolicy(true);
    retries.schedule(() -> {});
    assertThat(scheduler.getQueue()).hasSize(1);
    retries.cancel();
    assertThat(scheduler.getQueue()).isEmpty();
    retries.cancel(); // nothing left: no error

    retries.schedule(() -> {});
    retries.fired(); // as if it had run: cancel leaves the scheduler alone
    retries.cancel();
    assertThat(scheduler.getQueue()).hasSize(1);
  }

  @Test
  void aClosingSchedulerRefusesTheRetryButTheBackoffAdvances() {
    scheduler.shutdown();
    assertThatThrownBy(() -> retries.schedule(() -> {}))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(retries.retrying()).isTrue();
  }
}
