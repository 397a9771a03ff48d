package io.switchplane.it;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.Port;
import io.switchplane.common.retry.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of change sets, one thread per DVS, committed through the managers' API as an
 * operator with a list of managers would: a call that ends UNAVAILABLE (not the leader, none
 * elected, the manager down) or DEADLINE_EXCEEDED is sent again to the next manager after a short
 * backoff. Each change set creates one port on each host ({@link #portKey}), so that every
 * generation reaches every member host and every commit leaves its own trace in the configuration.
 *
 * <p>Every acknowledged generation is recorded. A change set sent again after an unanswered try may
 * find its ports made by that try (ALREADY_EXISTS): it was committed but never acknowledged, and is
 * counted apart. Any other failure is recorded as unexpected.
 */
final class ChangeStream implements AutoCloseable {
  /** A change set the API acknowledged: stored as generation of dvs, answered by manager. */
  record Ack(String dvs, long seq, long generation, long ackedAtNanos, int manager) {}

  private final ManagerProcesses managers;
  private final List<String> dvsNames;
  private final int hosts;
  private final String portGroup;
  private final Duration pace;
  private final String tag;
  private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
  private final Map<String, Ack> latest = new ConcurrentHashMap<>();
  private final Queue<StatusRuntimeException> unexpected = new ConcurrentLinkedQueue<>();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong committedUnacknowledged = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  /**
   * A stream over dvsNames (each with hosts member hosts and port group portGroup), one change set
   * per DVS every pace at most (zero: as fast as they are acknowledged), its port keys starting
   * with tag (one tag per stream on the same DVSes). Not started.
   */
  ChangeStream(
      ManagerProcesses managers,
      List<String> dvsNames,
      int hosts,
      String portGroup,
      Duration pace,
      String tag) {
    this.tag = tag;
    this.managers = managers;
    this.dvsNames = List.copyOf(dvsNames);
    this.hosts = hosts;
    this.portGroup = portGroup;
    this.pace = pace;
  }

  /** The key of the port change set seq of a DVS makes on host. */
  String portKey(long seq, int host) {
    return tag + seq + "-h" + host;
  }

  /** The description change set seq is committed with (and recorded under). */
  String description(long seq) {
    return "stream " + tag + seq;
  }

  ChangeStream start() {
    for (int d = 0; d < dvsNames.size(); d++) {
      String dvs = dvsNames.get(d);
      int first = d % managers.size();
      Thread t = new Thread(() -> drive(dvs, first), "change-stream-" + dvs);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  private void drive(String dvs, int firstManager) {
    int target = firstManager;
    Backoff backoff = new Backoff(Duration.ofMillis(20), Duration.ofMillis(200));
    for (long seq = 1; running; seq++) {
      long started = System.nanoTime();
      CommitChangeSetRequest request = changeSet(dvs, seq);
      boolean retried = false;
      while (running) {
        try {
          CommitChangeSetResponse r =
              managers.api(target, Duration.ofSeconds(5)).commitChangeSet(request);
          Ack ack = new Ack(dvs, seq, r.getGeneration(), System.nanoTime(), target);
          acks.add(ack);
          latest.put(dvs, ack);
          backoff.reset();
          break;
        } catch (StatusRuntimeException e) {
          Status.Code code = e.getStatus().getCode();
          if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
            retries.incrementAndGet();
            retried = true;
            target = (target + 1) % managers.size();
            if (!pause(backoff.nextMs())) {
              return;
            }
          } else if (code == Status.Code.ALREADY_EXISTS && retried) {
            committedUnacknowledged.incrementAndGet();
            break;
          } else {
            unexpected.add(e);
            break;
          }
        }
      }
      long rest = pace.toNanos() - (System.nanoTime() - started);
      if (rest > 0 && !pause(TimeUnit.NANOSECONDS.toMillis(rest))) {
        return;
      }
    }
  }

  /** The operator's pause between tries; false when the stream was stopped meanwhile. */
  private boolean pause(long ms) {
    try {
      Thread.sleep(ms);
      return running;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private CommitChangeSetRequest changeSet(String dvs, long seq) {
    CommitChangeSetRequest.Builder b =
        CommitChangeSetRequest.newBuilder().setDvs(dvs).setDescription(description(seq));
    for (int h = 0; h < hosts; h++) {
      b.addOps(
          ChangeOp.newBuilder()
              .setCreatePort(
                  Port.newBuilder()
                      .setKey(portKey(seq, h))
                      .setPortGroupId(portGroup)
                      .setHostId(AgentProcesses.host(h))));
    }
    return b.build();
  }

  /** The last acknowledged change set of dvs, if any. */
  java.util.Optional<Ack> latest(String dvs) {
    return java.util.Optional.ofNullable(latest.get(dvs));
  }

  List<Ack> acks() {
    return List.copyOf(acks);
  }

  List<StatusRuntimeException> unexpected() {
    return List.copyOf(unexpected);
  }

  long retries() {
    return retries.get();
  }

  long committedUnacknowledged() {
    return committedUnacknowledged.get();
  }

  /** Stops sending and waits for each thread's call in flight to end (within its deadline). */
  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
  }
}
