package io.switchplane.common.properties;

import io.switchplane.api.v1.PropertyEntry;
import java.util.Comparator;

/** The identity of a property: (namespace, key), ordered by namespace then key. */
public record PropertyKey(String namespace, String key) implements Comparable<PropertyKey> {
  private static final Comparator<PropertyKey> ORDER =
      Comparator.comparing(PropertyKey::namespace).thenComparing(PropertyKey::key);

  public static PropertyKey of(PropertyEntry e) {
    return new PropertyKey(e.getNamespace(), e.getKey());
  }

  @Override
  public int compareTo(PropertyKey o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return namespace + "/" + key;
  }
}
