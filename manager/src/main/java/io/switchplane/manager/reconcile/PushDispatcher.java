package io.switchplane.manager.reconcile;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the calls in flight over all hosts: pushers wait in a FIFO queue and are started while
 * fewer than maxInFlight calls run. No thread waits: a finished call releases its slot and the
 * releasing thread starts the next one.
 *
 * <p>Draining is a trampoline (one thread drains at a time, others only signal), so a call that
 * completes inline during a start cannot recurse into another start: the stack stays flat even when
 * thousands of calls fail at once.
 */
final class PushDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(PushDispatcher.class);

  /** What the dispatcher starts. */
  interface Task {
    /**
     * Starts the call. Returns true when a call was started, whose completion must call {@link
     * #release()} exactly once; false when there was nothing to do (slot given back).
     */
    boolean start();
  }

  private final ConcurrentLinkedQueue<Task> ready = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile int maxInFlight;

  PushDispatcher(int maxInFlight) {
    setMaxInFlight(maxInFlight);
  }

  void setMaxInFlight(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, was " + max);
    }
    this.maxInFlight = max;
    drain();
  }

  int maxInFlight() {
    return maxInFlight;
  }

  int inFlight() {
    return inFlight.get();
  }

  int queued() {
    return ready.size();
  }

  /** Queues a task; it starts when a slot is free. */
  void enqueue(Task task) {
    ready.add(task);
    drain();
  }

  /** Queues a task without starting anything on this thread; someone must call {@link #drain()}. */
  void offer(Task task) {
    ready.add(task);
  }

  /** A started call ended: frees its slot. */
  void release() {
    inFlight.decrementAndGet();
    drain();
  }

  /** Drops every queued task (their owners are told separately). */
  void clear() {
    ready.clear();
  }

  /** Starts queued tasks while slots are free (on this thread, unless another one is at it). */
  void drain() {
    if (wip.getAndIncrement() != 0) {
      return; // the draining thread will loop once more
    }
    int missed = 1;
    do {
      // Only the draining thread increments inFlight, others only decrement it: check-then-act is
      // safe.
      while (inFlight.get() < maxInFlight) {
        Task task = ready.poll();
        if (task == null) {
          break;
        }
        inFlight.incrementAndGet();
        boolean started;
        try {
          started = task.start();
        } catch (RuntimeException e) {
          LOG.error("push task {} failed to start", task, e);
          started = false;
        }
        if (!started) {
          inFlight.decrementAndGet();
        }
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }
}
