package io.switchplane.agent.modules;

import com.google.protobuf.ByteString;
import io.switchplane.agent.store.PublishedStore;
import io.switchplane.api.v1.PublishedProperty;
import io.switchplane.common.properties.Entity;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What the modules of this agent published: runtime values in memory, persistent ones also in
 * RocksDB (loaded at start), and the watchers that follow new publications.
 */
public final class PublishedValues {
  private static final Comparator<PublishedProperty> ORDER =
      Comparator.comparing(PublishedProperty::getDvsId)
          .thenComparing(PublishedProperty::getNamespace)
          .thenComparing(p -> p.getEntity().getKindValue())
          .thenComparing(p -> p.getEntity().getId())
          .thenComparing(PublishedProperty::getKey);

  private record Id(String dvsId, String namespace, Entity entity, String key) {}

  private final PublishedStore store;
  private final Clock clock;
  private final Map<Id, PublishedProperty> values = new ConcurrentHashMap<>();
  private final List<Consumer<PublishedProperty>> watchers = new CopyOnWriteArrayList<>();

  /**
   * @param store where persistent values go (null: none are kept, for in-memory tests)
   */
  public PublishedValues(PublishedStore store, Clock clock) {
    this.store = store;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Loads the persistent values kept from before. */
  public void load() {
    if (store != null) {
      for (PublishedProperty p : store.loadAll()) {
        values.put(id(p), p);
      }
    }
  }

  /** The publisher a module of namespace uses. */
  public Publisher publisherFor(String namespace) {
    return new Publisher() {
      @Override
      public void publish(
          String dvsId, Entity entity, String key, ByteString value, boolean persistent) {
        PublishedProperty p =
            PublishedProperty.newBuilder()
                .setDvsId(dvsId)
                .setNamespace(namespace)
                .setEntity(entity.toRef())
                .setKey(key)
                .setValue(value)
                .setPersistent(persistent)
                .setUnixMs(clock.millis())
                .build(); // host_id: the manager knows it
        PublishedProperty old = values.put(id(p), p);
        if (store != null && persistent) {
          store.put(p); // durable before publish returns
        } else if (store != null && old != null && old.getPersistent()) {
          store.delete(
              old); // now a runtime value: the persistent one must not come back after a restart
        }
        watchers.forEach(w -> w.accept(p));
      }

      @Override
      public void retract(String dvsId, Entity entity, String key) {
        PublishedProperty old = values.remove(new Id(dvsId, namespace, entity, key));
        if (old != null && old.getPersistent() && store != null) {
          store.delete(old);
        }
      }
    };
  }

  /** What was published for dvsId (namespace empty: all), sorted. */
  public List<PublishedProperty> list(String dvsId, String namespace) {
    List<PublishedProperty> out = new ArrayList<>();
    for (PublishedProperty p : values.values()) {
      if (p.getDvsId().equals(dvsId)
          && (namespace.isEmpty() || p.getNamespace().equals(namespace))) {
        out.add(p);
      }
    }
    out.sort(ORDER);
    return out;
  }

  /** Follows new publications until the returned handle runs. */
  public Runnable watch(Consumer<PublishedProperty> watcher) {
    watchers.add(watcher);
    return () -> watchers.remove(watcher);
  }

  private static Id id(PublishedProperty p) {
    return new Id(
        p.getDvsId(),
        p.getNamespace(),
        new Entity(p.getEntity().getKind(), p.getEntity().getId()),
        p.getKey());
  }
}
