package io.switchplane.common.diff;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable map made of a base map shared with the maps it was derived from and the few keys
 * changed since, so that a copy with a few keys changed ({@link #with}) costs those keys, not the
 * whole map: the agent's effective ports of a one-port change on a 4,096-port switch. The base is
 * never modified; once the changed keys outgrow twice the square root of the base's size (at least
 * 32), the copy is flattened into a new base (one whole copy now and then: each change costs O(sqrt
 * n) amortised). Lookups look at the changes first, then the base. Neither keys nor values may be
 * null.
 */
public final class LayeredMap<K, V> extends AbstractMap<K, V> {
  /** A key of the base that this map does not have. */
  private static final Object REMOVED = new Object();

  private static final int MIN_CHANGES = 32;

  private final Map<K, V> base;

  /** Each changed key's value, or {@link #REMOVED}; never modified once built. */
  private final Map<K, Object> changes;

  private final int size;

  private LayeredMap(Map<K, V> base, Map<K, Object> changes, int size) {
    this.base = base;
    this.changes = changes;
    this.size = size;
  }

  /** map itself when it is a layered map, else a layered map holding a copy of it. */
  public static <K, V> LayeredMap<K, V> of(Map<K, V> map) {
    if (map instanceof LayeredMap<K, V> layered) {
      return layered;
    }
    Map<K, V> base = new HashMap<>();
    map.forEach(
        (key, value) ->
            base.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value")));
    return new LayeredMap<>(base, Map.of(), base.size());
  }

  /**
   * This map with the keys of removed taken out, then the entries of put put in (this one stays as
   * it is).
   */
  public LayeredMap<K, V> with(Map<K, V> put, Collection<K> removed) {
    if (put.isEmpty() && removed.isEmpty()) {
      return this;
    }
    Map<K, Object> next = new HashMap<>(changes);
    int nextSize = size;
    for (K key : removed) {
      if (present(next, key)) {
        nextSize--;
      }
      if (base.containsKey(key)) {
        next.put(key, REMOVED);
      } else {
        next.remove(key);
      }
    }
    for (Map.Entry<K, V> e : put.entrySet()) {
      if (!present(next, Objects.requireNonNull(e.getKey(), "key"))) {
        nextSize++;
      }
      next.put(e.getKey(), Objects.requireNonNull(e.getValue(), "value"));
    }
    if (next.size() <= Math.max(MIN_CHANGES, 2 * (int) Math.sqrt(base.size()))) {
      return new LayeredMap<>(base, next, nextSize);
    }
    return new LayeredMap<>(flatten(next), Map.of(), nextSize);
  }

  /** A new base: the base with changes applied. */
  @SuppressWarnings("unchecked")
  private Map<K, V> flatten(Map<K, Object> changes) {
    Map<K, V> flat = new HashMap<>(base);
    changes.forEach(
        (key, value) -> {
          if (value == REMOVED) {
            flat.remove(key);
          } else {
            flat.put(key, (V) value);
          }
        });
    return flat;
  }

  private boolean present(Map<K, Object> changes, Object key) {
    Object changed = changes.get(key);
    return changed != null ? changed != REMOVED : base.containsKey(key);
  }

  /** How many keys were changed since the base was built (0 right after a fold; for tests). */
  int layerSize() {
    return changes.size();
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    if (key == null) {
      return null;
    }
    Object changed = changes.get(key);
    if (changed != null) {
      return changed == REMOVED ? null : (V) changed;
    }
    return base.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return key != null && present(changes, key);
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<K, V>> iterator() {
        return new Entries();
      }

      @Override
      public int size() {
        return size;
      }
    };
  }

  /** The changed keys still present, then the base's keys not changed; read-only entries. */
  private final class Entries implements Iterator<Map.Entry<K, V>> {
    private final Iterator<Map.Entry<K, Object>> changed = changes.entrySet().iterator();
    private final Iterator<Map.Entry<K, V>> kept = base.entrySet().iterator();
    private Map.Entry<K, V> next = advance();

    @SuppressWarnings("unchecked")
    private Map.Entry<K, V> advance() {
      while (changed.hasNext()) {
        Map.Entry<K, Object> e = changed.next();
        if (e.getValue() != REMOVED) {
          return new SimpleImmutableEntry<>(e.getKey(), (V) e.getValue());
        }
      }
      while (kept.hasNext()) {
        Map.Entry<K, V> e = kept.next();
        if (!changes.containsKey(e.getKey())) {
          return new SimpleImmutableEntry<>(e);
        }
      }
      return null;
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public Map.Entry<K, V> next() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      Map.Entry<K, V> out = next;
      next = advance();
      return out;
    }
  }
}
