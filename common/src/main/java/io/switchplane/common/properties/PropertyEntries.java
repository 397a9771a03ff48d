package io.switchplane.common.properties;

import io.switchplane.api.v1.PropertyEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Edits of one entity's entry list, which is kept sorted by (namespace, key) with one entry per
 * key, so that equal contents are equal messages (the push side compares host states by equality).
 */
public final class PropertyEntries {
  private PropertyEntries() {}

  /** entries with e put in its place (replacing the entry of the same key). */
  public static List<PropertyEntry> with(List<PropertyEntry> entries, PropertyEntry e) {
    List<PropertyEntry> out = new ArrayList<>(entries);
    int i = indexOf(out, PropertyKey.of(e));
    if (i >= 0) {
      out.set(i, e);
    } else {
      out.add(-i - 1, e);
    }
    return out;
  }

  /** entries without the entry of key; empty when there was none. */
  public static Optional<List<PropertyEntry>> without(
      List<PropertyEntry> entries, PropertyKey key) {
    int i = indexOf(entries, key);
    if (i < 0) {
      return Optional.empty();
    }
    List<PropertyEntry> out = new ArrayList<>(entries);
    out.remove(i);
    return Optional.of(out);
  }

  public static Optional<PropertyEntry> find(List<PropertyEntry> entries, PropertyKey key) {
    int i = indexOf(entries, key);
    return i < 0 ? Optional.empty() : Optional.of(entries.get(i));
  }

  /** Binary search by key: the index, or -(insertion point) - 1. */
  private static int indexOf(List<PropertyEntry> entries, PropertyKey key) {
    return Collections.binarySearch(entries.stream().map(PropertyKey::of).toList(), key);
  }
}
