package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.api.v1.SnapshotKind;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.snapshot.SnapshotCodec;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.store.SnapshotStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The implicit checkpoints (vSphere's before each reconfiguration, Junos' rollback list): every
 * committed generation of a DVS is stored as a snapshot right after it lands, in the background
 * while it is pushed, so the newest state is there too (what recovery from the agents needs). The
 * next change set waits for that write and, should it have failed, stores the configuration it was
 * planned against first, refusing to go on if it cannot: a change without its way back is not made.
 * Old checkpoints are pruned by {@link SnapshotPolicy}. Runs under the DVS's lock, so checkpoints
 * of one DVS never race.
 */
public final class Checkpoints implements ConfigService.CommitHook, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

  private final SnapshotStore store;
  private final Function<String, Optional<Host>> hosts;
  private final SnapshotPolicy retention;
  private final Clock clock;
  private final SnapshotCopies copies;

  /** The generation of the newest checkpoint per DVS, once known (saves a read per change set). */
  private final Map<String, Long> newest = new ConcurrentHashMap<>();

  /** The checkpoint being written in the background per DVS. */
  private final Map<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();

  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "checkpoint-writer");
            t.setDaemon(true);
            return t;
          });

  /** Every checkpoint goes to copies once it is durable. */
  public Checkpoints(
      SnapshotStore store,
      Function<String, Optional<Host>> hosts,
      SnapshotPolicy retention,
      Clock clock,
      SnapshotCopies copies) {
    this.store = store;
    this.hosts = hosts;
    this.retention = retention;
    this.clock = clock;
    this.copies = copies;
  }

  @Override
  public void before(DvsConfig base) {
    if (!retention.enabled()) {
      return;
    }
    CompletableFuture<Void> writing = pending.remove(base.id());
    if (writing != null) {
      writing.join(); // the checkpoint of the previous generation, usually this very base
    }
    if (!stored(base)) {
      checkpoint(base);
    }
  }

  /**
   * Stores the checkpoint of committed in the background: it costs the commit nothing unless the
   * next one comes first.
   */
  @Override
  public void after(DvsConfig committed) {
    if (!retention.enabled()) {
      return;
    }
    try {
      pending.put(
          committed.id(), CompletableFuture.runAsync(() -> checkpointLogged(committed), writer));
    } catch (RejectedExecutionException e) {
      LOG.debug(
          "closing: checkpoint of DVS {} generation {} left to the next change set",
          committed.id(),
          committed.generation(),
          e);
    }
  }

  private void checkpointLogged(DvsConfig committed) {
    try {
      checkpoint(committed);
    } catch (RuntimeException e) {
      LOG.warn(
          "checkpoint of DVS {} at generation {} not stored ({}); the next change set stores it first",
          committed.dvs().getName(),
          committed.generation(),
          e.toString());
    }
  }

  /** Stops the background writer after what it has queued. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn(
            "checkpoint writer did not finish within 30 s; the next leader stores what is missing");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean stored(DvsConfig config) {
    Long known = newest.get(config.id());
    if (known != null && known == config.generation()) {
      return true;
    }
    List<SnapshotInfo> existing = checkpoints(config.id());
    if (!existing.isEmpty() && existing.get(0).getGeneration() == config.generation()) {
      newest.put(config.id(), config.generation());
      return true;
    }
    return false;
  }

  private void checkpoint(DvsConfig config) {
    DvsSnapshot snapshot =
        take(
            config,
            SnapshotKind.SNAPSHOT_KIND_CHECKPOINT,
            store.freeName(config.id(), "checkpoint-" + config.generation()));
    try {
      store.put(snapshot);
    } catch (SwitchplaneException e) {
      if (e.code() != ErrorCode.ALREADY_EXISTS) {
        throw e;
      }
      // An operator's snapshot took the name meanwhile: the checkpoint takes the next free one.
      snapshot =
          renamed(snapshot, store.freeName(config.id(), "checkpoint-" + config.generation()));
      store.put(snapshot);
    }
    newest.put(config.id(), config.generation());
    LOG.debug("checkpoint of DVS {} at generation {}", config.dvs().getName(), config.generation());
    prune(config.id());
    copies.copy(snapshot, members(config));
  }

  /** A sealed snapshot of config, taken now. */
  DvsSnapshot take(DvsConfig config, SnapshotKind kind, String name) {
    SnapshotInfo info =
        SnapshotInfo.newBuilder()
            .setId(UUID.randomUUID().toString())
            .setName(name)
            .setDvsId(config.id())
            .setDvsName(config.dvs().getName())
            .setGeneration(config.generation())
            .setTakenUnixMs(clock.millis())
            .setKind(kind)
            .build();
    return SnapshotCodec.seal(info, SnapshotContents.of(config, hosts));
  }

  /** snapshot under another name (the checksum covers the content only). */
  static DvsSnapshot renamed(DvsSnapshot snapshot, String name) {
    return snapshot.toBuilder().setInfo(snapshot.getInfo().toBuilder().setName(name)).build();
  }

  /** The registrations of config's member hosts. */
  List<Host> members(DvsConfig config) {
    return config.dvs().getMembersList().stream()
        .map(m -> hosts.apply(m.getHostId()))
        .flatMap(Optional::stream)
        .toList();
  }

  /** Removes checkpoints beyond the count or the age; the newest one always stays. */
  public void prune(String dvsId) {
    List<SnapshotInfo> all = checkpoints(dvsId);
    long oldest = clock.millis() - retention.maxAge().toMillis();
    for (int i = 1; i < all.size(); i++) {
      SnapshotInfo s = all.get(i);
      if (i >= retention.keep() || s.getTakenUnixMs() < oldest) {
        store.delete(s);
        LOG.debug("pruned checkpoint {} of DVS {}", s.getName(), dvsId);
      }
    }
  }

  /** The checkpoints of a DVS, newest first. */
  List<SnapshotInfo> checkpoints(String dvsId) {
    return store.list(dvsId).stream()
        .filter(s -> s.getKind() == SnapshotKind.SNAPSHOT_KIND_CHECKPOINT)
        .toList();
  }

  /** Forgets what it knew (a new leadership term: another manager may have written meanwhile). */
  public void reset() {
    newest.clear();
  }
}
