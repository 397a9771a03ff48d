package io.switchplane.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The untimed rounds before the timed runs: a fixed number ({@code --warmup N}), or ({@code
 * --warmup auto}, the default) as many as it takes the JIT to compile the push path. Until then a
 * run measures the compilers as much as the push: on 2 cores they take a core from it, and the code
 * they have not compiled yet runs interpreted. Auto ends after {@value #SETTLED_ROUNDS} rounds in a
 * row whose compiler CPU (this JVM's and the agents process's, {@link JitCompilers}) was at most
 * {@value #SETTLED_PERCENT} % of the round's wall time, and after {@link #LIMIT} at the latest
 * (then it says so). Not thread-safe: the bench's one timing thread uses it.
 */
final class Warmup {
  static final int SETTLED_ROUNDS = 3;
  static final int SETTLED_PERCENT = 5;
  static final Duration LIMIT = Duration.ofMinutes(3);

  private final int fixedRounds; // -1: auto
  private final LongSupplier compilerNanos;
  private final List<Long> compilerMillis = new ArrayList<>();
  private long startNanos = -1;
  private long roundStartNanos;
  private long compilerAtRoundStart;
  private int quietInARow;
  private boolean done;
  private boolean limitReached;
  private long compilerAtTimedStart = -1;

  private Warmup(int fixedRounds, LongSupplier compilerNanos) {
    this.fixedRounds = fixedRounds;
    this.compilerNanos = compilerNanos;
  }

  /**
   * From {@code --warmup}: a number of rounds (0 or more) or "auto"; auto needs /proc (else 5
   * rounds).
   */
  static Warmup of(String spec, JitCompilers jit) {
    return of(spec, JitCompilers.available(), jit::cpuNanos);
  }

  /**
   * As {@link #of(String, JitCompilers)}, from a clock of compiler CPU (nanoseconds so far);
   * watchable says whether it can be read (else auto is 5 rounds).
   */
  static Warmup of(String spec, boolean watchable, LongSupplier compilerNanos) {
    if (spec.equals("auto")) {
      return new Warmup(watchable ? -1 : 5, compilerNanos);
    }
    int n;
    try {
      n = Integer.parseInt(spec);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 0) {
      throw new IllegalArgumentException(
          "--warmup must be auto or a number of rounds, at least 0 (got '" + spec + "')");
    }
    return new Warmup(n, compilerNanos);
  }

  /** Whether the next round is a warm-up round (else timed). */
  boolean warming() {
    if (done) {
      return false;
    }
    if (startNanos < 0) {
      startNanos = System.nanoTime();
      mark();
    }
    if (fixedRounds >= 0) {
      done = compilerMillis.size() >= fixedRounds;
    } else if (quietInARow >= SETTLED_ROUNDS) {
      done = true;
    } else if (System.nanoTime() - startNanos > LIMIT.toNanos()) {
      done = true;
      limitReached = true;
    }
    if (done) {
      compilerAtTimedStart = compilerNanos.getAsLong();
    }
    return !done;
  }

  /** No warm-up: every round is timed. */
  static Warmup none() {
    return new Warmup(0, () -> 0);
  }

  /** A warm-up round ended: prints it (what) with its compiler CPU, and judges it. */
  void roundDone(PrintStream out, String what) {
    long now = System.nanoTime();
    long compiler = compilerNanos.getAsLong();
    long compilerNanos = compiler - compilerAtRoundStart;
    long wallNanos = now - roundStartNanos;
    compilerMillis.add(compilerNanos / 1_000_000);
    quietInARow = compilerNanos * 100 <= wallNanos * SETTLED_PERCENT ? quietInARow + 1 : 0;
    out.printf(
        "warm-up %d (not counted): %s; JIT compilers %d ms of CPU%n",
        compilerMillis.size(), what, compilerNanos / 1_000_000);
    mark();
  }

  private void mark() {
    roundStartNanos = System.nanoTime();
    compilerAtRoundStart = compilerNanos.getAsLong();
  }

  /** One line on the JIT compilers' CPU since the timed runs began, for the report. */
  String timedRunsLine() {
    return compilerAtTimedStart < 0
        ? "JIT compilers during the timed runs: none ran"
        : String.format(
            "JIT compilers during the timed runs: %.2f s of CPU",
            (compilerNanos.getAsLong() - compilerAtTimedStart) / 1e9);
  }

  /** One line on how the warm-up ended, for the report. */
  String summary() {
    long totalMillis = compilerMillis.stream().mapToLong(Long::longValue).sum();
    String how =
        fixedRounds >= 0
            ? "--warmup " + fixedRounds
            : limitReached
                ? "auto, stopped at the "
                    + LIMIT.toMinutes()
                    + "-minute limit before the JIT settled"
                : "auto: until the JIT compilers used at most "
                    + SETTLED_PERCENT
                    + " % of "
                    + SETTLED_ROUNDS
                    + " rounds in a row";
    return String.format(
        "warm-up: %d rounds (%s), JIT compilers %.1f s of CPU in them",
        compilerMillis.size(), how, totalMillis / 1000.0);
  }
}
