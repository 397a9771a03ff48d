package io.switchplane.manager.events;

import io.switchplane.api.v1.Event;
import io.switchplane.api.v1.EventKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's recent push events (the last {@link #CAPACITY}), in order, with live subscribers
 * for {@code WatchEvents}. In memory on purpose: the durable record of what a host did is the
 * host's own history; this is the operator's live view. Thread-safe.
 */
public final class EventLog {
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
  public static final int CAPACITY = 1_000;

  private final ArrayDeque<Event> recent = new ArrayDeque<>();
  private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
  private long sequence;

  /** Records an event and hands it to every subscriber. */
  public void record(
      EventKind kind,
      String dvsId,
      String hostId,
      String hostName,
      long generation,
      String detail) {
    record(kind, dvsId, hostId, hostName, generation, detail, "");
  }

  /** As the other record, naming who caused the event. */
  public void record(
      EventKind kind,
      String dvsId,
      String hostId,
      String hostName,
      long generation,
      String detail,
      String principal) {
    Event event;
    synchronized (this) {
      event =
          Event.newBuilder()
              .setSequence(++sequence)
              .setUnixMs(System.currentTimeMillis())
              .setKind(kind)
              .setDvsId(dvsId)
              .setHostId(hostId)
              .setHostName(hostName)
              .setGeneration(generation)
              .setDetail(detail)
              .setPrincipal(principal)
              .build();
      recent.addLast(event);
      if (recent.size() > CAPACITY) {
        recent.removeFirst();
      }
      // Delivered under the lock so that every subscriber sees events in sequence order.
      for (Consumer<Event> s : subscribers) {
        try {
          s.accept(event);
        } catch (RuntimeException e) {
          LOG.debug("event subscriber failed; dropping it", e);
          subscribers.remove(s);
        }
      }
    }
    if (!LOG.isInfoEnabled()) {
      return; // no argument array and boxing per event when the log would drop it
    }
    LOG.info(
        "event {} {} dvs={} host={} generation={}: {}",
        event.getSequence(),
        kind,
        dvsId,
        hostName.isEmpty() ? hostId : hostName,
        generation,
        detail);
  }

  /**
   * The kept events after afterSequence, then every new one to subscriber; returns how to
   * unsubscribe.
   */
  public synchronized Runnable subscribe(long afterSequence, Consumer<Event> subscriber) {
    for (Event e : recent) {
      if (e.getSequence() > afterSequence) {
        subscriber.accept(e);
      }
    }
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }

  /** The kept events, oldest first. */
  public synchronized List<Event> recent() {
    return new ArrayList<>(recent);
  }
}
