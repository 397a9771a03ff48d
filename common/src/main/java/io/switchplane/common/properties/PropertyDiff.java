package io.switchplane.common.properties;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between two sets of effective values (see {@link PropertyResolver#effectiveAll}).
 */
public final class PropertyDiff {
  private PropertyDiff() {}

  /** How a value changed. */
  public enum Kind {
    ADDED,
    CHANGED,
    REMOVED
  }

  /**
   * One effective value that changed.
   *
   * @param before null when added
   * @param after null when removed
   */
  public record Change(
      Entity entity, PropertyKey key, Kind kind, ByteString before, ByteString after) {
    /** The change that undoes this one. */
    public Change inverse() {
      Kind k =
          switch (kind) {
            case ADDED -> Kind.REMOVED;
            case REMOVED -> Kind.ADDED;
            case CHANGED -> Kind.CHANGED;
          };
      return new Change(entity, key, k, after, before);
    }
  }

  /** The changes from before to after, ordered by entity then key. */
  public static List<Change> diff(
      SortedMap<Entity, SortedMap<PropertyKey, ByteString>> before,
      SortedMap<Entity, SortedMap<PropertyKey, ByteString>> after) {
    List<Change> out = new ArrayList<>();
    TreeSet<Entity> entities = new TreeSet<>(before.keySet());
    entities.addAll(after.keySet());
    for (Entity entity : entities) {
      Map<PropertyKey, ByteString> b = before.getOrDefault(entity, new TreeMap<>());
      Map<PropertyKey, ByteString> a = after.getOrDefault(entity, new TreeMap<>());
      if (b.equals(a)) {
        continue;
      }
      TreeSet<PropertyKey> keys = new TreeSet<>(b.keySet());
      keys.addAll(a.keySet());
      for (PropertyKey k : keys) {
        ByteString was = b.get(k);
        ByteString now = a.get(k);
        if (was == null) {
          out.add(new Change(entity, k, Kind.ADDED, null, now));
        } else if (now == null) {
          out.add(new Change(entity, k, Kind.REMOVED, was, null));
        } else if (!was.equals(now)) {
          out.add(new Change(entity, k, Kind.CHANGED, was, now));
        }
      }
    }
    return out;
  }

  /** The changes that undo changes, in reverse order. */
  public static List<Change> inverse(List<Change> changes) {
    List<Change> out = new ArrayList<>(changes.size());
    for (int i = changes.size() - 1; i >= 0; i--) {
      out.add(changes.get(i).inverse());
    }
    return out;
  }
}
