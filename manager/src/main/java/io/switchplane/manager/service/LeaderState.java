package io.switchplane.manager.service;

import static io.switchplane.common.error.SwitchplaneException.alreadyExists;
import static io.switchplane.common.error.SwitchplaneException.notFound;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.model.DvsConfig;
import io.switchplane.manager.store.DvsStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What only the leader has: every DVS configuration by id, loaded when it became leader and changed
 * only after a write's transaction succeeded. Replaced as a whole on each election, so a writer
 * holding an older one can tell it lost leadership ({@link WriteGuard#requireStill}).
 *
 * <p>With leadership per DVS the state is <em>partial</em>: it holds the DVSes this manager owns,
 * added and removed one by one as ownership moves, and a write of any other DVS is refused as
 * {@link #missing} says (NOT_FOUND, or NOT_DVS_OWNER naming the owner).
 */
final class LeaderState {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderState.class);

  /** The refusal of a write of a DVS this (partial) state does not hold, by the ref given. */
  interface Missing {
    SwitchplaneException of(String ref);

    /**
     * A write names ref, which this state does not hold: waits briefly in case this manager is
     * about to own it (just created, or handed over). True when it should now be held.
     */
    boolean awaitHeld(String ref);
  }

  /**
   * Whether this manager may write a held DVS now (leadership per DVS): throws the refusal when it
   * may not.
   */
  @FunctionalInterface
  interface Writable {
    void require(String id, String name);
  }

  private final Map<String, DvsConfig> configs = new ConcurrentHashMap<>();

  /** Null for the whole state of a single leader. */
  private final Missing missing;

  private final Writable writable;

  LeaderState(List<DvsConfig> all) {
    this(all, null, (id, name) -> {});
  }

  /**
   * A partial state (leadership per DVS) when missing is not null; writable is asked before every
   * write of a held DVS.
   */
  LeaderState(List<DvsConfig> all, Missing missing, Writable writable) {
    all.forEach(c -> configs.put(c.id(), c));
    this.missing = missing;
    this.writable = writable;
  }

  /** Whether this state holds only the DVSes this manager owns (leadership per DVS). */
  boolean partial() {
    return missing != null;
  }

  /** A held DVS by id or name (reads of a partial state fall back to ZooKeeper on empty). */
  Optional<DvsConfig> find(String ref) {
    DvsConfig byId = configs.get(ref);
    return byId != null ? Optional.of(byId) : byName(ref);
  }

  /** DVS id's configuration; null when there is none. */
  DvsConfig get(String id) {
    return configs.get(id);
  }

  void put(String id, DvsConfig config) {
    configs.put(id, config);
  }

  void remove(String id) {
    configs.remove(id);
  }

  Collection<DvsConfig> all() {
    return configs.values();
  }

  /** A DVS by id or name: INVALID_ARGUMENT for an empty ref, NOT_FOUND when unknown. */
  DvsConfig byRef(String ref) {
    if (ref.isEmpty()) {
      throw SwitchplaneException.invalid("DVS missing: give its id or name");
    }
    Optional<DvsConfig> found = find(ref);
    if (found.isEmpty() && missing != null && missing.awaitHeld(ref)) {
      found = find(ref);
    }
    return found.orElseThrow(() -> refusal(ref));
  }

  private SwitchplaneException refusal(String ref) {
    return missing == null ? notFound("DVS '%s' not found", ref) : missing.of(ref);
  }

  /**
   * DVS id's configuration to write on, under its lock: NOT_FOUND (naming it as ref) when it went
   * meanwhile; the refusal of {@link Writable} when this manager may not write it now; ABORTED when
   * expected is non-zero and not its generation.
   */
  DvsConfig forWrite(String id, String ref, long expected) {
    DvsConfig current = configs.get(id);
    if (current == null) {
      // Partial: lost meanwhile (its ownership moved) or deleted; missing tells which.
      throw missing == null ? notFound("DVS '%s' not found", ref) : missing.of(id);
    }
    // A held DVS whose ownership is gone (connection suspended, epoch moved on) stays here until
    // ConfigService.lost runs, which waits for writes in progress: another owner may have written
    // it meanwhile, so no change set may be planned (and refused) on this copy.
    writable.require(id, current.dvs().getName());
    if (expected != 0 && expected != current.generation()) {
      throw SwitchplaneException.aborted(
          "DVS '%s' is at generation %d, not the expected %d; re-read and retry",
          current.dvs().getName(), current.generation(), expected);
    }
    return current;
  }

  /** ALREADY_EXISTS when a DVS other than exceptId is named name. */
  void requireFreeName(String name, String exceptId) {
    Optional<DvsConfig> other = byName(name);
    if (other.isPresent() && !other.get().id().equals(exceptId)) {
      throw alreadyExists("a DVS named '%s' exists already", name);
    }
  }

  /**
   * Runs a store transaction on DVS id; when it conflicts (ABORTED), reloads id first, then
   * rethrows.
   */
  void storeOrReload(DvsStore store, String id, Runnable transaction) {
    try {
      transaction.run();
    } catch (SwitchplaneException e) {
      if (e.code() == ErrorCode.ABORTED) {
        reload(store, id);
      }
      throw e;
    }
  }

  /** After a conflict the cache may be stale (another writer): reload that DVS so a retry works. */
  private void reload(DvsStore store, String id) {
    Optional<DvsConfig> fresh;
    try {
      fresh = store.load(id);
    } catch (SwitchplaneException e) {
      // Keep the stale entry: the next write fails the version check again and retries the reload.
      LOG.warn("could not reload DVS {} after a conflict: {}", id, e.getMessage());
      return;
    }
    if (fresh.isPresent()) {
      configs.put(id, fresh.get());
    } else {
      configs.remove(id);
    }
    LOG.warn(
        "DVS {} changed behind this leader's back; cache reloaded at generation {}",
        id,
        fresh.map(c -> Long.toString(c.generation())).orElse("(deleted)"));
  }

  private Optional<DvsConfig> byName(String name) {
    return configs.values().stream().filter(c -> c.dvs().getName().equals(name)).findFirst();
  }
}
