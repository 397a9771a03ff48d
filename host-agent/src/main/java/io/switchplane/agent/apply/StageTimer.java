package io.switchplane.agent.apply;

/**
 * Receives how long each stage of an apply took, for a per-stage breakdown (`bench agent`). Called
 * on the applying thread, with the DVS's lock held: an implementation must be quick and
 * thread-safe. {@link #NONE} records nothing (the agent's default).
 */
@FunctionalInterface
public interface StageTimer {
  /** The stages of one apply, in the order they run. */
  enum Stage {
    /** Checking the request (whole state on the first apply, what changed after). */
    VALIDATE,
    /** Resolving the effective ports and diffing them with what is applied. */
    DIFF,
    /** The backend applying the port operations (and the journal of a lasting backend). */
    BACKEND,
    /** The synced store write of the new state, answer, history and pending confirm. */
    PERSIST
  }

  StageTimer NONE = (stage, nanos) -> {};

  void record(Stage stage, long nanos);
}
