package io.switchplane.manager.audit;

import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.store.ChangeLogStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the audit log (Junos {@code show system commit}): the records of a DVS by id or name, a
 * deleted DVS's too, newest first. Any manager answers: the records are in ZooKeeper.
 */
public final class ChangeLog {
  /** Records listed when no limit is given. */
  public static final int DEFAULT_LIMIT = 50;

  private final ChangeLogStore store;
  private final Function<String, Optional<String>> liveId;

  /**
   * @param liveId the id of a live DVS by id or name
   */
  public ChangeLog(ChangeLogStore store, Function<String, Optional<String>> liveId) {
    this.store = store;
    this.liveId = liveId;
  }

  /**
   * The newest records of one DVS, or of every DVS when dvsRef is empty, without their change
   * lists; with a requestId, only those the command with that id made, searched among all records
   * kept.
   */
  public List<ChangeRecord> list(String dvsRef, int limit, String requestId) {
    if (limit > ChangeLogStore.KEEP) {
      throw SwitchplaneException.invalid(
          "limit %d is above %d (the records kept per DVS)", limit, ChangeLogStore.KEEP);
    }
    int n = limit <= 0 ? DEFAULT_LIMIT : limit;
    int read = requestId.isEmpty() ? n : ChangeLogStore.KEEP;
    List<ChangeRecord> out = new ArrayList<>();
    if (dvsRef.isEmpty()) {
      for (String id : store.dvsIds()) {
        out.addAll(store.list(id, read));
      }
      out.sort(
          Comparator.comparingLong(ChangeRecord::getUnixMs)
              .reversed()
              .thenComparing(Comparator.comparingLong(ChangeRecord::getGeneration).reversed()));
    } else {
      out.addAll(store.list(id(dvsRef), read));
    }
    return out.stream()
        .filter(r -> requestId.isEmpty() || r.getRequestId().equals(requestId))
        .limit(n)
        .map(r -> r.toBuilder().clearChanges().build())
        .toList();
  }

  /** The record of one generation, with what it changed. */
  public ChangeRecord get(String dvsRef, long generation) {
    String id = id(dvsRef);
    return store
        .get(id, generation)
        .orElseThrow(
            () ->
                SwitchplaneException.notFound(
                    "no record of generation %d of DVS '%s' (the newest %d per DVS are kept)",
                    generation, dvsRef, ChangeLogStore.KEEP));
  }

  /** The id of a DVS, live or deleted, by id or name. */
  private String id(String dvsRef) {
    Optional<String> live = liveId.apply(dvsRef);
    if (live.isPresent()) {
      return live.get();
    }
    List<String> ids = store.dvsIds();
    if (ids.contains(dvsRef)) {
      return dvsRef;
    }
    for (String id : ids) {
      List<ChangeRecord> newest = store.list(id, 1);
      if (!newest.isEmpty() && newest.get(0).getDvsName().equals(dvsRef)) {
        return id;
      }
    }
    throw SwitchplaneException.notFound(
        "no DVS, live or deleted, with id or name '%s' has records", dvsRef);
  }
}
