package io.switchplane.agent.backend.openflow;

import java.util.List;
import java.util.Objects;

/**
 * A flow entry: where it sits (table, priority, match: what OpenFlow identifies it by), its cookie,
 * and what it does: the apply-actions (applied in order; empty drops the frame unless it goes on)
 * and then, optionally, a goto-table. A value type: the pipeline computes sets of these and diffs
 * them against those read back.
 *
 * @param gotoTable the table the frame goes on to after the actions, or {@link #NO_GOTO}
 */
public record Flow(
    int table,
    int priority,
    long cookie,
    FlowMatch match,
    List<FlowAction> actions,
    int gotoTable) {
  public static final int NO_GOTO = -1;

  public Flow {
    if (table < 0 || table > 254) {
      throw new IllegalArgumentException("table " + table + " out of 0..254");
    }
    if (priority < 0 || priority > 0xffff) {
      throw new IllegalArgumentException("priority " + priority + " out of 0..65535");
    }
    if (gotoTable != NO_GOTO && gotoTable <= table) {
      throw new IllegalArgumentException("goto-table " + gotoTable + " must be after " + table);
    }
    Objects.requireNonNull(match, "match");
    actions = List.copyOf(actions);
  }

  /** What OpenFlow identifies the entry by: a new flow with the same key replaces it. */
  public Key key() {
    return new Key(table, priority, match);
  }

  /** The identity of a flow entry in a switch: table, priority and match. */
  public record Key(int table, int priority, FlowMatch match) {}
}
