package io.switchplane.agent.apply;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.StageTiming;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where one apply's time goes on the agent, stage by stage, for its answer (the manager's bench
 * prints the breakdown). Each {@link #mark} closes the stage running since the last mark. One
 * apply's own: not thread-safe.
 */
final class ApplyStages {
  private final List<StageTiming> stages = new ArrayList<>(6);
  private long since;

  /** Stages timed from startNanos (System.nanoTime()). */
  ApplyStages(long startNanos) {
    this.since = startNanos;
  }

  /** Ends the stage named stage now. */
  void mark(String stage) {
    long now = System.nanoTime();
    stages.add(
        StageTiming.newBuilder()
            .setStage(stage)
            .setMicros(TimeUnit.NANOSECONDS.toMicros(now - since))
            .build());
    since = now;
  }

  /** response with the stages timed (the stored answer has none: a repeat costs nothing). */
  ApplyResponse answer(ApplyResponse response) {
    return stages.isEmpty() ? response : response.toBuilder().addAllStages(stages).build();
  }
}
