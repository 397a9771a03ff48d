package io.switchplane.agent.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.common.snapshot.SnapshotCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The agent's copies of its DVSes' snapshots, in its RocksDB next to its own state: storage that
 * does not depend on the manager's (see {@code snapshot.proto}). Keys {@code P
 * s/DVS_ID/SNAPSHOT_ID}, values {@link DvsSnapshot}. A copy is checked before it is stored, each
 * put is one synced batch with the trimming of the oldest copies beyond the DVS's limit.
 */
public final class SnapshotCopyStore {
  public static final int DEFAULT_KEEP = 50;

  private final RocksDatabase db;
  private final String prefix;

  /** Copies in db under prefix (the agent's key space); it does not own db. */
  public SnapshotCopyStore(RocksDatabase db, String prefix) {
    this.db = Objects.requireNonNull(db, "db");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
  }

  /**
   * Stores a copy (again: nothing changes) and drops the oldest beyond keep (0: {@value
   * #DEFAULT_KEEP}).
   *
   * @throws io.switchplane.common.error.SwitchplaneException INVALID_ARGUMENT / FAILED_PRECONDITION
   *     for a damaged or newer-format copy, which is not stored
   */
  public synchronized void put(DvsSnapshot snapshot, int keep) {
    SnapshotCodec.open(snapshot);
    SnapshotInfo info = snapshot.getInfo();
    List<SnapshotInfo> held = new ArrayList<>(list(info.getDvsId()));
    if (held.stream().anyMatch(s -> s.getId().equals(info.getId()))) {
      return;
    }
    held.add(info);
    held.sort(SnapshotCodec.NEWEST_FIRST);
    int limit = keep == 0 ? DEFAULT_KEEP : keep;
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(key(info.getDvsId(), info.getId()), snapshot.toByteArray());
      for (SnapshotInfo old : held.subList(Math.min(limit, held.size()), held.size())) {
        batch.delete(key(old.getDvsId(), old.getId()));
      }
      db.write(batch);
    } catch (RocksDBException e) {
      throw new StoreException(
          "cannot store the copy of snapshot " + info.getName() + ": " + e.getMessage(), e);
    }
  }

  /** The copies of one DVS (empty dvsId: of all), info only, newest first. */
  public List<SnapshotInfo> list(String dvsId) {
    byte[] start = bytes(prefix + "s/" + (dvsId.isEmpty() ? "" : dvsId + "/"));
    List<SnapshotInfo> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(start); it.isValid() && startsWith(it.key(), start); it.next()) {
        out.add(parse(it.value(), new String(it.key(), StandardCharsets.UTF_8)).getInfo());
      }
    }
    out.sort(SnapshotCodec.NEWEST_FIRST);
    return out;
  }

  /** One copy by snapshot id: found by its key's suffix, so only that copy is read and parsed. */
  public Optional<DvsSnapshot> get(String snapshotId) {
    byte[] start = bytes(prefix + "s/");
    byte[] suffix = bytes("/" + snapshotId);
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(start); it.isValid() && startsWith(it.key(), start); it.next()) {
        byte[] k = it.key();
        if (k.length >= suffix.length
            && Arrays.equals(k, k.length - suffix.length, k.length, suffix, 0, suffix.length)) {
          return Optional.of(parse(it.value(), "snapshot " + snapshotId));
        }
      }
    }
    return Optional.empty();
  }

  private byte[] key(String dvsId, String snapshotId) {
    return bytes(prefix + "s/" + dvsId + "/" + snapshotId);
  }

  private static DvsSnapshot parse(byte[] value, String what) {
    try {
      return DvsSnapshot.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("the agent state database holds a corrupt " + what, e);
    }
  }

  private static boolean startsWith(byte[] key, byte[] keyPrefix) {
    return key.length >= keyPrefix.length
        && Arrays.equals(key, 0, keyPrefix.length, keyPrefix, 0, keyPrefix.length);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
