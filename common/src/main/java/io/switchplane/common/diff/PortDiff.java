package io.switchplane.common.diff;

import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.EffectivePort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns (effective current, effective desired) into ordered port operations: adds, then updates,
 * then removes (add before remove, so a port moving between keys never leaves a gap), each group
 * sorted by key so that the same pair always gives the same plan.
 *
 * <p>Unchanged ports cost one equality check; when the caller reuses the current {@link
 * EffectivePort} object for a port whose inputs did not change (as {@link EffectiveStateResolver}
 * does), that check is a reference comparison.
 */
public final class PortDiff {
  /** Most port keys listed in a {@link ChangeSummary}. */
  public static final int SUMMARY_KEY_LIMIT = 100;

  private PortDiff() {}

  public static List<PortOp> diff(
      Map<String, EffectivePort> current, Map<String, EffectivePort> desired) {
    List<PortOp> adds = new ArrayList<>();
    List<PortOp> updates = new ArrayList<>();
    List<PortOp> removes = new ArrayList<>();
    for (Map.Entry<String, EffectivePort> e : desired.entrySet()) {
      EffectivePort before = current.get(e.getKey());
      if (before == null) {
        adds.add(PortOp.add(e.getValue()));
      } else if (!before.equals(e.getValue())) {
        updates.add(PortOp.update(before, e.getValue()));
      }
    }
    if (current.size() + adds.size() != desired.size()) {
      for (Map.Entry<String, EffectivePort> e : current.entrySet()) {
        if (!desired.containsKey(e.getKey())) {
          removes.add(PortOp.remove(e.getValue()));
        }
      }
    }
    return ordered(adds, updates, removes);
  }

  /**
   * {@link #diff(Map, Map)} looking only at keys (null: every key), for a caller that knows every
   * other key maps to the same port in both (as {@link EffectiveStateResolver.Result#touched()}
   * says): the same operations, at the cost of what changed.
   */
  public static List<PortOp> diff(
      Map<String, EffectivePort> current,
      Map<String, EffectivePort> desired,
      Collection<String> keys) {
    if (keys == null) {
      return diff(current, desired);
    }
    List<PortOp> adds = new ArrayList<>();
    List<PortOp> updates = new ArrayList<>();
    List<PortOp> removes = new ArrayList<>();
    for (String key : keys) {
      EffectivePort before = current.get(key);
      EffectivePort after = desired.get(key);
      if (before == null && after != null) {
        adds.add(PortOp.add(after));
      } else if (after == null && before != null) {
        removes.add(PortOp.remove(before));
      } else if (before != null && !before.equals(after)) {
        updates.add(PortOp.update(before, after));
      }
    }
    return ordered(adds, updates, removes);
  }

  private static List<PortOp> ordered(
      List<PortOp> adds, List<PortOp> updates, List<PortOp> removes) {
    List<PortOp> ops = new ArrayList<>(adds.size() + updates.size() + removes.size());
    for (List<PortOp> group : List.of(adds, updates, removes)) {
      group.sort((a, b) -> a.key().compareTo(b.key()));
      ops.addAll(group);
    }
    return Collections.unmodifiableList(ops);
  }

  /** The state after applying ops to current (current is not modified). */
  public static Map<String, EffectivePort> apply(
      List<PortOp> ops, Map<String, EffectivePort> current) {
    Map<String, EffectivePort> next = new HashMap<>(current);
    for (PortOp op : ops) {
      switch (op.kind()) {
        case ADD, UPDATE -> next.put(op.key(), op.after());
        case REMOVE -> next.remove(op.key());
      }
    }
    return next;
  }

  /** The operations that undo ops, in reverse order. */
  public static List<PortOp> inverse(List<PortOp> ops) {
    List<PortOp> undo = new ArrayList<>(ops.size());
    for (int i = ops.size() - 1; i >= 0; i--) {
      undo.add(ops.get(i).inverse());
    }
    return undo;
  }

  /** What ops do to a switch that had portsBefore ports. */
  public static ChangeSummary summarize(List<PortOp> ops, int portsBefore) {
    ChangeSummary.Builder b = ChangeSummary.newBuilder();
    int added = 0;
    int updated = 0;
    int removed = 0;
    for (PortOp op : ops) {
      switch (op.kind()) {
        case ADD -> added++;
        case UPDATE -> updated++;
        case REMOVE -> removed++;
      }
      if (b.getTouchedPortKeysCount() < SUMMARY_KEY_LIMIT) {
        b.addTouchedPortKeys(op.key());
      } else {
        b.setTruncated(true);
      }
    }
    return b.setAdded(added)
        .setUpdated(updated)
        .setRemoved(removed)
        .setUnchanged(portsBefore - updated - removed)
        .build();
  }
}
