package io.switchplane.manager.snapshot;

import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.EntityChange;
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
import java.util.Optional;
import java.util.UUID;

/**
 * The snapshots operators see: take, list, find, export, import, delete, diff. Restores are {@link
 * Restores}'. Writes need the leader; reads work on any manager.
 */
public final class SnapshotCatalog {

  private final ConfigService config;
  private final SnapshotStore store;
  private final Checkpoints checkpoints;
  private final Clock clock;
  private final SnapshotCopies copies;

  /** Every snapshot goes to copies once it is durable. */
  public SnapshotCatalog(
      ConfigService config,
      SnapshotStore store,
      Checkpoints checkpoints,
      Clock clock,
      SnapshotCopies copies) {
    this.config = config;
    this.store = store;
    this.checkpoints = checkpoints;
    this.clock = clock;
    this.copies = copies;
  }

  /** Takes a snapshot of a DVS as it is now. */
  public SnapshotInfo create(String dvsRef, String name) {
    requireLeader();
    DvsConfig c = config.config(dvsRef);
    String chosen = name.isEmpty() ? "manual-" + c.generation() : checkName(name);
    requireFreeName(c.id(), chosen);
    DvsSnapshot snapshot = checkpoints.take(c, SnapshotKind.SNAPSHOT_KIND_MANUAL, chosen);
    store.put(snapshot);
    copies.copy(snapshot, checkpoints.members(c));
    return snapshot.getInfo();
  }

  /** Snapshots of one DVS (by id or name, also of a deleted one) or of all, newest first. */
  public List<SnapshotInfo> list(String dvsRef, boolean includeCheckpoints) {
    List<SnapshotInfo> all = dvsRef.isEmpty() ? store.listAll() : store.list(dvsId(dvsRef));
    return all.stream()
        .filter(s -> includeCheckpoints || s.getKind() != SnapshotKind.SNAPSHOT_KIND_CHECKPOINT)
        .toList();
  }

  /** A snapshot by id, or by name within a DVS. NOT_FOUND names what was looked for. */
  public SnapshotInfo find(String snapshotRef, String dvsRef) {
    if (snapshotRef.isEmpty()) {
      throw SwitchplaneException.invalid(
          "snapshot is required: give its id, or its name with the DVS");
    }
    List<SnapshotInfo> all = store.listAll();
    Optional<SnapshotInfo> byId =
        all.stream().filter(s -> s.getId().equals(snapshotRef)).findFirst();
    if (byId.isPresent()) {
      return byId.get(); // ids are unique over all DVSes: dvs only narrows names
    }
    List<SnapshotInfo> candidates = dvsRef.isEmpty() ? all : store.list(dvsId(dvsRef));
    List<SnapshotInfo> byName =
        candidates.stream().filter(s -> s.getName().equals(snapshotRef)).toList();
    if (byName.size() == 1) {
      return byName.get(0);
    }
    if (byName.size() > 1) {
      throw SwitchplaneException.invalid(
          "%d snapshots are named '%s' (of DVS %s): give the DVS or the id",
          byName.size(),
          snapshotRef,
          String.join(", ", byName.stream().map(SnapshotInfo::getDvsName).toList()));
    }
    throw SwitchplaneException.notFound(
        "snapshot '%s' not found%s; list them with 'switchplane snapshot list'",
        snapshotRef, dvsRef.isEmpty() ? "" : " for DVS '" + dvsRef + "'");
  }

  /** A snapshot whole, checked (a damaged one is INVALID_ARGUMENT rather than handed out). */
  public DvsSnapshot get(SnapshotInfo info) {
    DvsSnapshot snapshot = store.read(info);
    SnapshotCodec.open(snapshot);
    return snapshot;
  }

  public void delete(SnapshotInfo info) {
    requireLeader();
    store.delete(info);
  }

  /**
   * Stores a snapshot read from a file under a new id, after checking it (format, checksum,
   * content); a bad file stores nothing. Its DVS need not exist (restore it as a new one).
   */
  public SnapshotInfo importFile(byte[] file, String name) {
    requireLeader();
    DvsSnapshot read = SnapshotCodec.fromFile(file);
    SnapshotInfo original = read.getInfo();
    String chosen = name.isEmpty() ? original.getName() : checkName(name);
    // The checksum covers the content only: a file's own name may be anything.
    if (!SnapshotStore.NAME.matcher(chosen).matches() || nameTaken(original.getDvsId(), chosen)) {
      if (!name.isEmpty()) {
        throw SwitchplaneException.alreadyExists(
            "DVS %s has a snapshot named '%s' already", original.getDvsName(), chosen);
      }
      chosen = "imported-" + original.getGeneration() + "-" + clock.millis();
    }
    SnapshotInfo info =
        original.toBuilder()
            .setId(UUID.randomUUID().toString())
            .setName(chosen)
            .setKind(SnapshotKind.SNAPSHOT_KIND_IMPORTED)
            .setTakenUnixMs(clock.millis())
            .build();
    DvsSnapshot snapshot = read.toBuilder().setInfo(info).build();
    store.put(snapshot);
    copies.copy(snapshot, SnapshotCodec.open(snapshot).getHostsList());
    return info;
  }

  /**
   * What restoring from onto `to` (a snapshot, or the current DVS when to is null) would change.
   */
  public List<EntityChange> diff(SnapshotInfo from, SnapshotInfo to, String currentDvsRef) {
    DvsConfig source = SnapshotContents.toConfig(SnapshotCodec.open(get(from)));
    DvsConfig target =
        to != null
            ? SnapshotContents.toConfig(SnapshotCodec.open(get(to)))
            : config.config(currentDvsRef.isEmpty() ? from.getDvsId() : currentDvsRef);
    return ConfigDiff.between(target, source, this::hostName);
  }

  /** The host's name, or its id when it is not registered now (a host of an old snapshot). */
  String hostName(String hostId) {
    return host(hostId).map(Host::getName).orElse(hostId);
  }

  Optional<Host> host(String hostId) {
    try {
      return Optional.of(config.host(hostId));
    } catch (SwitchplaneException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      return Optional.empty();
    }
  }

  /** The id of a DVS by id or name, including DVSes that are gone but have snapshots. */
  private String dvsId(String dvsRef) {
    try {
      return config.config(dvsRef).id();
    } catch (SwitchplaneException e) {
      if (e.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      return store.listAll().stream()
          .filter(s -> s.getDvsName().equals(dvsRef) || s.getDvsId().equals(dvsRef))
          .map(SnapshotInfo::getDvsId)
          .findFirst()
          .orElseThrow(
              () ->
                  SwitchplaneException.notFound(
                      "DVS '%s' not found, and no snapshot of it", dvsRef));
    }
  }

  private void requireFreeName(String dvsId, String name) {
    if (nameTaken(dvsId, name)) {
      throw SwitchplaneException.alreadyExists(
          "the DVS has a snapshot named '%s' already; choose another name", name);
    }
  }

  private boolean nameTaken(String dvsId, String name) {
    return store.list(dvsId).stream().anyMatch(s -> s.getName().equals(name));
  }

  private static String checkName(String name) {
    if (!SnapshotStore.NAME.matcher(name).matches()) {
      throw SwitchplaneException.invalid(
          "snapshot name '%s' is not allowed: use 1-64 letters, digits, '.', '_'"
              + " or '-', starting with a letter or digit",
          name);
    }
    return name;
  }

  void requireLeader() {
    if (!config.isLeader()) {
      throw SwitchplaneException.unavailable(
          "this manager is not the leader: send snapshot writes to the leader"
              + " (switchplane manager status)");
    }
  }
}
