package io.switchplane.manager.store;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.snapshot.SnapshotCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DVS snapshots in ZooKeeper (layout in {@link StoreLayout}).
 *
 * <p>A snapshot of a large DVS is larger than one znode (1 MB) or one transaction may hold, so its
 * content is deflated and written in chunks first, in as many transactions as it takes, and the
 * info znode is created last, alone. The info znode is the commit point: a crash before it leaves
 * chunks that no info names (removed by {@link #sweepOrphans}), never a half snapshot. Deleting
 * removes the info first for the same reason.
 */
public final class SnapshotStore {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);

  /** What a snapshot name may be: it becomes a znode name, and operators type it. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** Bytes of deflated content per chunk znode. */
  static final int CHUNK_BYTES = 256 * 1024;

  private final CuratorFramework client;
  private final ZkReads reads;

  /**
   * DVSes whose snapshot parents this store made or found (never deleted): a create of an existing
   * znode is a write ZooKeeper logs and syncs, two per snapshot (a checkpoint per change set).
   */
  private final Set<String> parents = ConcurrentHashMap.newKeySet();

  public SnapshotStore(CuratorFramework client) {
    this.client = client;
    this.reads = new ZkReads(client);
  }

  /**
   * Stores a sealed snapshot; durable when this returns. Its name is claimed in the transaction
   * that commits its info, so two snapshots of one DVS never share a name: ALREADY_EXISTS, and
   * nothing is stored, when the name is taken.
   */
  public void put(DvsSnapshot snapshot) {
    SnapshotInfo info = snapshot.getInfo();
    if (!NAME.matcher(info.getName()).matches()) {
      throw SwitchplaneException.invalid(
          "snapshot name '%s' is not allowed: use 1-64 letters, digits, '.', '_' or"
              + " '-', starting with a letter or digit",
          info.getName());
    }
    byte[] deflated = deflate(snapshot.getContent());
    String id = info.getId();
    ZkTxn txn = new ZkTxn().create(StoreLayout.snapshotData(id), new byte[0]);
    int chunk = 0;
    for (int off = 0; off < deflated.length || chunk == 0; off += CHUNK_BYTES) {
      int end = Math.min(deflated.length, off + CHUNK_BYTES);
      byte[] part = java.util.Arrays.copyOfRange(deflated, off, end);
      if (txn.bytes() + part.length > ZkTxn.MAX_BYTES) {
        txn.commit(client, "writing snapshot " + info.getName(), r -> null);
        txn = new ZkTxn();
      }
      txn.create(StoreLayout.snapshotChunk(id, chunk++), part);
    }
    txn.commit(client, "writing snapshot " + info.getName(), r -> null);
    if (!parents.contains(info.getDvsId())) {
      reads.ensure(StoreLayout.snapshots(info.getDvsId()));
      reads.ensure(StoreLayout.snapshotNames(info.getDvsId()));
      parents.add(info.getDvsId());
    }
    String namePath = StoreLayout.snapshotName(info.getDvsId(), info.getName());
    try {
      new ZkTxn()
          .create(StoreLayout.snapshot(info.getDvsId(), id), info.toByteArray())
          .create(namePath, id.getBytes(StandardCharsets.UTF_8))
          .commit(
              client,
              "committing snapshot " + info.getName(),
              r -> {
                if (r.code() != KeeperException.Code.NODEEXISTS) {
                  return null;
                }
                return r.op().path().equals(namePath)
                    ? SwitchplaneException.alreadyExists(
                        "DVS %s has a snapshot named '%s' already",
                        info.getDvsName(), info.getName())
                    : SwitchplaneException.alreadyExists("snapshot %s exists already", id);
              });
    } catch (SwitchplaneException e) {
      // Curator retries a multi after a connection loss: the first attempt may have landed.
      Optional<SnapshotInfo> stored;
      try {
        stored = info(info.getDvsId(), id);
      } catch (SwitchplaneException unknown) {
        throw e; // the outcome is unknown: the chunks stay for the sweep, which knows
      }
      if (stored.isPresent() && stored.get().equals(info)) {
        LOG.info(
            "snapshot {} of DVS {} had been stored before a connection loss",
            info.getName(),
            info.getDvsId());
        return;
      }
      if (stored.isEmpty()) {
        deleteData(id); // no info names these chunks
      }
      throw e;
    }
    LOG.debug(
        "stored snapshot {} of DVS {} generation {}: {} content bytes, {} deflated, {} chunk(s)",
        info.getName(),
        info.getDvsId(),
        info.getGeneration(),
        snapshot.getContent().size(),
        deflated.length,
        chunk);
  }

  /** The snapshots of one DVS, newest first. */
  public List<SnapshotInfo> list(String dvsId) {
    if (!StoreLayout.isSegment(dvsId)) {
      return List.of();
    }
    List<SnapshotInfo> out = new ArrayList<>();
    reads
        .readChildren(StoreLayout.snapshots(dvsId))
        .forEach(
            (id, data) ->
                out.add(
                    ZkReads.parse(SnapshotInfo.parser(), data, StoreLayout.snapshot(dvsId, id))));
    out.sort(SnapshotCodec.NEWEST_FIRST);
    return out;
  }

  /** Every snapshot of every DVS (including DVSes that no longer exist), newest first. */
  public List<SnapshotInfo> listAll() {
    List<SnapshotInfo> out = new ArrayList<>();
    for (String dvsId : reads.children(StoreLayout.SNAPSHOTS)) {
      out.addAll(list(dvsId));
    }
    out.sort(SnapshotCodec.NEWEST_FIRST);
    return out;
  }

  /** A snapshot, whole, by its info (as listed). */
  public DvsSnapshot read(SnapshotInfo info) {
    ByteArrayOutputStream deflated = new ByteArrayOutputStream();
    List<String> chunks = new ArrayList<>(reads.children(StoreLayout.snapshotData(info.getId())));
    chunks.sort(Comparator.naturalOrder());
    for (String chunk : chunks) {
      String path = StoreLayout.snapshotData(info.getId()) + "/" + chunk;
      deflated.writeBytes(
          reads
              .read(path)
              .orElseThrow(
                  () ->
                      SwitchplaneException.aborted(
                          "snapshot %s was deleted while being read", info.getName()))
              .data());
    }
    return DvsSnapshot.newBuilder()
        .setInfo(info)
        .setContent(inflate(deflated.toByteArray(), info))
        .build();
  }

  /**
   * A name for a new snapshot of dvsId: base when no snapshot of it has that name, else base with
   * the first free "-N" suffix (a DVS restored with its original id may meet its earlier life's
   * checkpoint names).
   */
  public String freeName(String dvsId, String base) {
    Set<String> taken = new HashSet<>();
    list(dvsId).forEach(s -> taken.add(s.getName()));
    String name = base;
    for (int n = 2; taken.contains(name); n++) {
      name = base + "-" + n;
    }
    return name;
  }

  /** Deletes a snapshot: its info and name first (it is gone from then on), then its chunks. */
  public void delete(SnapshotInfo info) {
    ZkTxn txn = new ZkTxn().delete(StoreLayout.snapshot(info.getDvsId(), info.getId()), -1);
    String namePath = StoreLayout.snapshotName(info.getDvsId(), info.getName());
    // A snapshot stored before names were claimed has no name znode; another's must stay.
    if (NAME.matcher(info.getName()).matches()) {
      reads
          .read(namePath)
          .filter(v -> new String(v.data(), StandardCharsets.UTF_8).equals(info.getId()))
          .ifPresent(v -> txn.delete(namePath, v.version()));
    }
    txn.commit(
        client,
        "deleting snapshot " + info.getName(),
        r ->
            r.code() == KeeperException.Code.NONODE
                ? SwitchplaneException.notFound(
                    "snapshot '%s' was deleted concurrently", info.getName())
                : null);
    deleteData(info.getId());
  }

  /** Removes chunks that no snapshot info names (left by a crash while writing or deleting). */
  public int sweepOrphans() {
    Set<String> named = new HashSet<>();
    for (String dvsId : reads.children(StoreLayout.SNAPSHOTS)) {
      named.addAll(reads.children(StoreLayout.snapshots(dvsId)));
    }
    int swept = 0;
    for (String id : reads.children(StoreLayout.SNAPSHOT_DATA)) {
      if (!named.contains(id)) {
        deleteData(id);
        swept++;
      }
    }
    if (swept > 0) {
      LOG.info("removed the chunks of {} unfinished snapshot(s)", swept);
    }
    return swept;
  }

  /** Whether a snapshot with this id exists for the DVS. */
  public Optional<SnapshotInfo> info(String dvsId, String snapshotId) {
    if (!StoreLayout.isSegment(dvsId) || !StoreLayout.isSegment(snapshotId)) {
      return Optional.empty();
    }
    String path = StoreLayout.snapshot(dvsId, snapshotId);
    return reads.read(path).map(v -> ZkReads.parse(SnapshotInfo.parser(), v.data(), path));
  }

  private void deleteData(String snapshotId) {
    try {
      client.delete().deletingChildrenIfNeeded().forPath(StoreLayout.snapshotData(snapshotId));
    } catch (KeeperException.NoNodeException e) {
      LOG.trace("chunks of snapshot {} are gone already", snapshotId);
    } catch (Exception e) {
      throw ZkErrors.translate(e, "deleting the chunks of snapshot " + snapshotId);
    }
  }

  private static byte[] deflate(ByteString content) {
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try {
      deflater.setInput(content.toByteArray());
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, content.size() / 4));
      byte[] buf = new byte[64 * 1024];
      while (!deflater.finished()) {
        out.write(buf, 0, deflater.deflate(buf));
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  private static ByteString inflate(byte[] deflated, SnapshotInfo info) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(deflated);
      ByteArrayOutputStream out =
          new ByteArrayOutputStream((int) Math.max(64, info.getContentBytes()));
      byte[] buf = new byte[64 * 1024];
      while (!inflater.finished()) {
        int n = inflater.inflate(buf);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw SwitchplaneException.invalid(
              "snapshot '%s' in ZooKeeper is truncated", info.getName());
        }
        out.write(buf, 0, n);
      }
      return ByteString.copyFrom(out.toByteArray());
    } catch (DataFormatException e) {
      throw SwitchplaneException.invalid(
          "snapshot '%s' in ZooKeeper is corrupted (%s)", info.getName(), e.getMessage());
    } finally {
      inflater.end();
    }
  }
}
