package io.switchplane.it;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.switchplane.api.v1.AuditServiceGrpc;
import io.switchplane.api.v1.ChangeOp;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.CommitChangeSetRequest;
import io.switchplane.api.v1.CommitChangeSetResponse;
import io.switchplane.api.v1.ListChangesRequest;
import io.switchplane.api.v1.Port;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.retry.Backoff;
import io.switchplane.manager.grpc.CallerInterceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of change sets, one thread per DVS, committed through the managers' API as a
 * careful operator with a list of managers would. Change set seq of a DVS creates one port on each
 * host ({@link #portKey}) and deletes the ports change set seq - {@link #WINDOW} made, so every
 * generation reaches every member host, the DVS stays small however long the stream runs, and a
 * change set lost after it was acknowledged makes a later one fail (its port to delete is missing).
 *
 * <p>Each change set is sent with a request id of its own ({@code switchplane-request-id}), which
 * the manager keeps in the change record of the generation it commits. A call can end without
 * saying whether it committed: UNAVAILABLE (also a manager that does not lead, as it refuses so),
 * DEADLINE_EXCEEDED, CANCELLED (a lost connection). After such a failure, and after any refusal
 * once a try's outcome was unknown (ABORTED, ALREADY_EXISTS or NOT_DVS_OWNER after a resend: the
 * earlier try may have committed), the stream never resends blindly: it asks the change log of any
 * manager that answers for records of the request id ({@code ListChanges} with {@code request_id}).
 * Found: the change set is committed at that record's generation, and counted so. Not found: it is
 * sent again with the same id. A resend can never commit twice (its ports exist, or the DVS moved
 * on: the manager refuses), so a stale "not found" only costs one more look. Decisions use status
 * codes and typed reasons, never message text. Anything else, or a change set still unresolved
 * after {@link #RESOLVE_WITHIN}, is recorded as unexpected.
 *
 * <p>With an owner per DVS ({@code --dvs-ownership}) a manager that does not own the DVS refuses
 * FAILED_PRECONDITION, reason {@code NOT_DVS_OWNER}, naming the owner's endpoint in the ErrorInfo
 * metadata: the stream sends the same change set there at once (at most three hops in a row). While
 * the DVS has no owner the refusal is UNAVAILABLE with the same reason (nothing written): the
 * stream tries the next manager after a backoff.
 */
final class ChangeStream implements AutoCloseable {
  /** Change set seq deletes the ports of change set seq - WINDOW. */
  static final int WINDOW = 20;

  /** How long one change set may take to be committed or found committed before it is failed. */
  private static final Duration RESOLVE_WITHIN = Duration.ofSeconds(120);

  /** Deadline of one commit call; under load a commit takes seconds. */
  private static final Duration CALL = Duration.ofSeconds(10);

  /**
   * Deadline of one change-log look-up: the manager reads every record kept of the DVS (up to
   * 1,000, one ZooKeeper read each) to find the request id, seconds on a loaded machine.
   */
  private static final Duration LOOK_UP = Duration.ofSeconds(20);

  private static final Metadata.Key<String> REQUEST_ID = CallerInterceptor.REQUEST_ID;

  /**
   * A committed change set: generation of dvs. manager: the one that acknowledged it, -1 when the
   * answer was lost and the change log said it was committed (foundInLog).
   */
  record Ack(
      String dvs,
      long seq,
      String requestId,
      long generation,
      long ackedAtNanos,
      int manager,
      boolean foundInLog) {}

  /** What one try's failure says about the change set. */
  private enum Failure {
    /** The try may have committed: look it up before sending again. */
    OUTCOME_UNKNOWN,
    /** The try changed nothing (a refusal the API documents as retryable). */
    REFUSED,
    /** Not something a change set of this stream can get: recorded, not retried. */
    UNEXPECTED
  }

  private final ManagerProcesses managers;
  private final List<String> dvsNames;
  private final int hosts;
  private final String portGroup;
  private final Duration pace;
  private final String tag;
  private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
  private final Map<String, Ack> latest = new ConcurrentHashMap<>();
  private final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
  private final AtomicLong resends = new AtomicLong();
  private final AtomicLong lookUps = new AtomicLong();
  private final AtomicLong redirects = new AtomicLong();

  /** What the stream went through beyond first tries that commit: one line per event, timed. */
  private final Queue<String> trail = new ConcurrentLinkedQueue<>();

  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  /**
   * A stream over dvsNames (each with hosts member hosts and port group portGroup), one change set
   * per DVS every pace at most (zero: as fast as they are acknowledged), its port keys and request
   * ids starting with tag (one tag per stream in a test: letters and digits). Not started.
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

  /** The request id change set seq of dvs is sent with, on every try. */
  String requestId(String dvs, long seq) {
    return tag + "-" + dvs + "-" + seq;
  }

  /**
   * The keys of this stream's ports dvs must hold once change set lastSeq (and every one before)
   * committed: those of the last {@link #WINDOW} change sets.
   */
  Set<String> portsAfter(long lastSeq) {
    Set<String> out = new HashSet<>();
    for (long s = Math.max(1, lastSeq - WINDOW + 1); s <= lastSeq; s++) {
      for (int h = 0; h < hosts; h++) {
        out.add(portKey(s, h));
      }
    }
    return out;
  }

  /** Whether a port key is one of this stream's. */
  boolean isStreamPort(String key) {
    return key.startsWith(tag) && key.substring(tag.length()).matches("\\d+-h\\d+");
  }

  /** Starts one thread per DVS, each sending first to the manager that leads now (if any). */
  ChangeStream start() {
    int leader = managers.leader();
    for (int d = 0; d < dvsNames.size(); d++) {
      String dvs = dvsNames.get(d);
      int first = leader >= 0 ? leader : d % managers.size();
      Thread t = new Thread(() -> drive(dvs, first), "change-stream-" + dvs);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  private void drive(String dvs, int firstManager) {
    int target = firstManager;
    for (long seq = 1; running; seq++) {
      long started = System.nanoTime();
      target = commit(dvs, seq, target);
      long rest = pace.toNanos() - (System.nanoTime() - started);
      if (rest > 0 && (!pause(TimeUnit.NANOSECONDS.toMillis(rest)) || !running)) {
        return;
      }
    }
  }

  /**
   * Sends change set seq of dvs until it is known committed (acknowledged, or found in the change
   * log), refused for good, or out of time ({@link #RESOLVE_WITHIN}); stopping the stream does not
   * cut it short. Returns the manager to send the next change set to.
   */
  private int commit(String dvs, long seq, int firstTarget) {
    int target = firstTarget;
    CommitChangeSetRequest request = changeSet(dvs, seq);
    String requestId = requestId(dvs, seq);
    Metadata headers = new Metadata();
    headers.put(REQUEST_ID, requestId);
    Backoff backoff = new Backoff(Duration.ofMillis(20), Duration.ofMillis(500));
    long giveUpAt = System.nanoTime() + RESOLVE_WITHIN.toNanos();
    boolean outcomeUnknown = false; // some try may have committed without an answer
    int hops = 0; // tries sent in a row to the owner a refusal named
    int tries = 0; // failed so far
    long began = System.nanoTime();
    // Not bounded by close(): a change set whose outcome is unknown is resolved before the stream
    // ends, or the final checks would not know which ports the DVS holds.
    while (true) {
      if (System.nanoTime() > giveUpAt) {
        unexpected.add(requestId + ": neither committed nor refused within " + RESOLVE_WITHIN);
        return target;
      }
      StatusRuntimeException failure;
      long tryStarted = System.nanoTime();
      try {
        CommitChangeSetResponse r =
            managers
                .api(target, CALL)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .commitChangeSet(request);
        record(new Ack(dvs, seq, requestId, r.getGeneration(), System.nanoTime(), target, false));
        if (tries > 0) {
          note(dvs, seq, "committed at m" + target + " after " + tries + " failed tries", began);
        }
        return target;
      } catch (StatusRuntimeException e) {
        failure = e;
      }
      tries++;
      note(
          dvs,
          seq,
          "try at m"
              + target
              + " failed "
              + failure.getStatus().getCode()
              + StatusMapping.reason(failure).map(r -> " " + r).orElse("")
              + " after "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tryStarted)
              + " ms",
          began);
      Failure kind = classify(failure, outcomeUnknown);
      if (kind == Failure.UNEXPECTED) {
        // With how the change set this one builds on was counted committed, to tell a lost
        // acknowledged commit from a miscounted one.
        unexpected.add(
            requestId
                + ": "
                + failure.getStatus()
                + "; change set "
                + (seq - WINDOW)
                + " was "
                + acks.stream()
                    .filter(a -> a.dvs().equals(dvs) && a.seq() == seq - WINDOW)
                    .findFirst()
                    .map(Ack::toString)
                    .orElse("not counted"));
        return target;
      }
      outcomeUnknown |= kind == Failure.OUTCOME_UNKNOWN;
      if (outcomeUnknown) {
        long lookUpStarted = System.nanoTime();
        Answer answer = lookUpUntilAnswered(dvs, requestId, target, giveUpAt);
        note(
            dvs,
            seq,
            "change-log look-up: "
                + answer.getClass().getSimpleName()
                + " in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lookUpStarted)
                + " ms",
            began);
        if (answer instanceof Committed c) {
          record(
              new Ack(
                  dvs, seq, requestId, c.record().getGeneration(), System.nanoTime(), -1, true));
          return target;
        }
        if (answer instanceof Unanswered) {
          continue; // out of time (or interrupted): the loop's head records it
        }
        if (answer instanceof NotCommitted n && ownerNamedBy(failure) < 0) {
          // Sent again where the change log just answered: a manager that reaches ZooKeeper (the
          // next in turn may be the one cut from it), which names the owner if it is not it.
          target = n.manager();
          hops = 0;
          resends.incrementAndGet();
          continue;
        }
      }
      // Not committed (known): the same change set again, to the DVS's owner when the manager
      // asked named it, else to the next manager unless the one asked refused only because the
      // DVS moved under its plan.
      int owner = ownerNamedBy(failure);
      resends.incrementAndGet();
      if (owner >= 0 && owner != target && ++hops <= 3) {
        // At once, at most three hops in a row (as the CLI): caches that disagree for a moment
        // (each manager naming the other) then wait the backoff below.
        target = owner;
        redirects.incrementAndGet();
        continue;
      }
      hops = 0;
      if (failure.getStatus().getCode() != Status.Code.ABORTED) {
        target = (target + 1) % managers.size();
      }
      if (!pause(backoff.nextMs())) {
        unexpected.add(requestId + ": interrupted while its outcome was open");
        return target;
      }
    }
  }

  /**
   * The manager a NOT_DVS_OWNER refusal names as the DVS's owner (its {@code owner_endpoint}), -1
   * when the failure names none (no owner right now, or another failure).
   */
  private int ownerNamedBy(StatusRuntimeException e) {
    if (StatusMapping.reason(e).filter(r -> r == ErrorReason.NOT_DVS_OWNER).isEmpty()) {
      return -1;
    }
    String endpoint = StatusMapping.metadata(e).get(ErrorReason.OWNER_ENDPOINT);
    return endpoint == null ? -1 : managers.index(endpoint);
  }

  /**
   * What a failed try says. outcomeUnknownBefore: an earlier try of the same change set may have
   * committed, so a refusal that its own work would explain (its ports exist, the DVS moved on)
   * says nothing about whether the change set is in.
   */
  private static Failure classify(StatusRuntimeException e, boolean outcomeUnknownBefore) {
    Status.Code code = e.getStatus().getCode();
    boolean notOwner =
        StatusMapping.reason(e).filter(r -> r == ErrorReason.NOT_DVS_OWNER).isPresent();
    switch (code) {
      case UNAVAILABLE:
        // NOT_DVS_OWNER: the manager refused before writing (the DVS has no owner right now, or
        // this manager lost it); anything else may have committed.
        return notOwner ? Failure.REFUSED : Failure.OUTCOME_UNKNOWN;
      case DEADLINE_EXCEEDED, CANCELLED:
        return Failure.OUTCOME_UNKNOWN;
      case ABORTED:
        return Failure.REFUSED;
      case ALREADY_EXISTS:
        return outcomeUnknownBefore ? Failure.REFUSED : Failure.UNEXPECTED;
      case FAILED_PRECONDITION:
        return notOwner ? Failure.REFUSED : Failure.UNEXPECTED;
      default:
        return Failure.UNEXPECTED;
    }
  }

  /** What the change log says of a request id. */
  private sealed interface Answer permits Committed, NotCommitted, Unanswered {}

  /** A record of the request id exists: the change set is committed at its generation. */
  private record Committed(ChangeRecord record) implements Answer {}

  /** Manager (its index) answered and has no record of the request id. */
  private record NotCommitted(int manager) implements Answer {}

  /** No manager answered before the change set's time was up. */
  private record Unanswered() implements Answer {}

  /**
   * The change log's answer for requestId in dvs. Asks every manager in turn, starting after the
   * one the failed try went to (likely the one that cannot answer), pausing between rounds, until
   * one answers or giveUpAt passes.
   */
  private Answer lookUpUntilAnswered(String dvs, String requestId, int failedAt, long giveUpAt) {
    Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofMillis(1_000));
    while (System.nanoTime() < giveUpAt) {
      for (int k = 1; k <= managers.size(); k++) {
        int m = (failedAt + k) % managers.size();
        if (!managers.alive(m)) {
          continue;
        }
        try {
          lookUps.incrementAndGet();
          List<ChangeRecord> records =
              AuditServiceGrpc.newBlockingStub(managers.channel(m))
                  .withDeadlineAfter(LOOK_UP.toMillis(), TimeUnit.MILLISECONDS)
                  .listChanges(
                      ListChangesRequest.newBuilder().setDvs(dvs).setRequestId(requestId).build())
                  .getRecordsList();
          return records.isEmpty() ? new NotCommitted(m) : new Committed(records.get(0));
        } catch (StatusRuntimeException e) {
          // This manager cannot answer now (down, cut from ZooKeeper): ask the next.
        }
      }
      if (!pause(backoff.nextMs())) {
        break;
      }
    }
    return new Unanswered();
  }

  private void note(String dvs, long seq, String what, long began) {
    trail.add(
        System.currentTimeMillis()
            + " "
            + dvs
            + " #"
            + seq
            + " +"
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began)
            + " ms: "
            + what);
  }

  /**
   * Every failed try, change-log look-up and late commit so far, one line each: wall-clock ms, DVS,
   * change set, ms since its first try, what happened.
   */
  List<String> trail() {
    return List.copyOf(trail);
  }

  private void record(Ack ack) {
    acks.add(ack);
    latest.put(ack.dvs(), ack);
  }

  /** The operator's pause between tries; false when interrupted. */
  private boolean pause(long ms) {
    try {
      Thread.sleep(ms);
      return true;
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
      if (seq > WINDOW) {
        b.addOps(ChangeOp.newBuilder().setDeletePort(portKey(seq - WINDOW, h)));
      }
    }
    return b.build();
  }

  /** The last committed change set of dvs, if any. */
  Optional<Ack> latest(String dvs) {
    return Optional.ofNullable(latest.get(dvs));
  }

  /** Every committed change set: acknowledged, or found in the change log. */
  List<Ack> acks() {
    return List.copyOf(acks);
  }

  /** Change sets that failed in a way this stream never expects, each with its request id. */
  List<String> unexpected() {
    return List.copyOf(unexpected);
  }

  /** Tries sent again after a failure (the first try of each change set not counted). */
  long resends() {
    return resends.get();
  }

  /** Tries sent to the owner a NOT_DVS_OWNER refusal named (counted among the resends too). */
  long redirects() {
    return redirects.get();
  }

  /** Change-log look-ups asked after a try whose outcome was unknown. */
  long lookUps() {
    return lookUps.get();
  }

  /** Change sets whose answer was lost but which the change log showed committed. */
  long foundInLog() {
    return acks.stream().filter(Ack::foundInLog).count();
  }

  /**
   * Stops starting change sets and waits until each thread's change set in flight is committed or
   * found not to be (at most {@link #RESOLVE_WITHIN} and one call).
   */
  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(RESOLVE_WITHIN.plus(CALL).toMillis());
      if (t.isAlive()) {
        unexpected.add(t.getName() + ": still running after close");
      }
    }
  }
}
