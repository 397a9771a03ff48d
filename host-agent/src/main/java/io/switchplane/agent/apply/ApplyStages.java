package io.switchplane.agent.apply;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.StageTiming;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Where one apply's time goes on the agent, stage by stage: the agent's one stage-timing mechanism.
 * The stages go into the apply's answer ({@code ApplyResponse.stages}, in the order they ran),
 * where the manager's push breakdown and {@code bench agent} both read them. Each {@link #mark}
 * ends the time since the last mark and adds it to a stage. One apply's own: not thread-safe.
 */
final class ApplyStages {
  /** The stages of one apply, in the order they run; the answer names each in lower case. */
  enum Stage {
    /** Checking the request (what changed, after the first apply), and the wait for the lock. */
    VALIDATE,
    /** The synced journal write, for a backend that outlives the agent. */
    JOURNAL,
    /** Resolving the effective ports of what changed and diffing them with what is applied. */
    DIFF,
    /** The backend applying the port operations. */
    BACKEND,
    /** The property modules. */
    MODULES,
    /** The synced store write of the new state, answer, history and pending confirm. */
    PERSIST;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final long[] nanos = new long[Stage.values().length];
  private final boolean[] ran = new boolean[Stage.values().length];
  private long since;

  /** Stages timed from startNanos (System.nanoTime()). */
  ApplyStages(long startNanos) {
    this.since = startNanos;
  }

  /** Ends the time since the last mark now and adds it to stage. */
  void mark(Stage stage) {
    long now = System.nanoTime();
    nanos[stage.ordinal()] += now - since;
    ran[stage.ordinal()] = true;
    since = now;
  }

  /** response with the stages timed (the stored answer has none: a repeat costs nothing). */
  ApplyResponse answer(ApplyResponse response) {
    ApplyResponse.Builder out = response.toBuilder();
    for (Stage s : Stage.values()) {
      if (ran[s.ordinal()]) {
        out.addStages(
            StageTiming.newBuilder()
                .setStage(s.label)
                .setMicros(TimeUnit.NANOSECONDS.toMicros(nanos[s.ordinal()]))
                .setNanos(nanos[s.ordinal()]));
      }
    }
    return out.getStagesCount() == 0 ? response : out.build();
  }
}
