package io.switchplane.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WarmupTest {
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  /** Runs rounds until the warm-up ends; each round's compiler CPU comes from perRound. */
  private int roundsUntilTimed(Warmup warmup, AtomicLong compiler, long... perRound) {
    int rounds = 0;
    while (warmup.warming()) {
      compiler.addAndGet(rounds < perRound.length ? perRound[rounds] : 0);
      warmup.roundDone(out, "round " + rounds);
      rounds++;
    }
    return rounds;
  }

  @Test
  void aFixedCountIsThatManyRounds() {
    AtomicLong compiler = new AtomicLong();
    Warmup w = Warmup.of("4", true, compiler::get);
    assertThat(roundsUntilTimed(w, compiler, 60_000_000_000L)).isEqualTo(4);
    assertThat(w.summary()).contains("4 rounds (--warmup 4)");
  }

  @Test
  void zeroRoundsTimesEveryRound() {
    assertThat(Warmup.none().warming()).isFalse();
    assertThat(Warmup.of("0", true, () -> 0).warming()).isFalse();
  }

  @Test
  void autoWaitsForThreeRoundsInARowWithoutCompiling() {
    AtomicLong compiler = new AtomicLong();
    Warmup w = Warmup.of("auto", true, compiler::get);
    // A minute of compiler CPU per round is far above 5 % of any round here; then quiet rounds,
    // one busy round that restarts the count, and quiet again.
    long busy = 60_000_000_000L;
    assertThat(roundsUntilTimed(w, compiler, busy, busy, 0, 0, busy, 0, 0, 0)).isEqualTo(8);
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("warm-up 1 (not counted): round 0; JIT compilers 60000 ms of CPU")
        .contains("warm-up 8 (not counted): round 7; JIT compilers 0 ms of CPU");
    assertThat(w.summary()).contains("8 rounds (auto").contains("JIT compilers 180.0 s of CPU");
    compiler.addAndGet(2_500_000_000L);
    assertThat(w.timedRunsLine()).isEqualTo("JIT compilers during the timed runs: 2.50 s of CPU");
  }

  @Test
  void autoWithoutAWayToWatchTheJitIsFiveRounds() {
    AtomicLong compiler = new AtomicLong();
    assertThat(roundsUntilTimed(Warmup.of("auto", false, compiler::get), compiler)).isEqualTo(5);
  }

  @Test
  void anythingElseIsRefused() {
    for (String bad : new String[] {"-1", "many", ""}) {
      assertThatThrownBy(() -> Warmup.of(bad, true, () -> 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--warmup must be auto or a number of rounds");
    }
  }
}
