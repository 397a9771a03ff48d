package io.switchplane.manager.store;

import io.switchplane.api.v1.ChangeRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log in ZooKeeper (layout in {@link StoreLayout}): one {@link ChangeRecord} per
 * generation of a DVS, added to the transaction that commits that generation (by {@link DvsStore}),
 * so a generation is never stored without its record. The newest {@link #KEEP} records of a DVS are
 * kept; a deleted DVS's records stay, as its snapshots do.
 */
public final class ChangeLogStore {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeLogStore.class);

  /** Records kept per DVS. */
  public static final int KEEP = 1_000;

  /** How often (in generations) the oldest records beyond {@link #KEEP} are removed. */
  private static final int PRUNE_EVERY = 100;

  private final CuratorFramework client;
  private final ZkReads reads;

  /** DVSes whose log znode is known to exist: a transaction cannot create a parent on its own. */
  private final Set<String> parents = ConcurrentHashMap.newKeySet();

  public ChangeLogStore(CuratorFramework client) {
    this.client = client;
    this.reads = new ZkReads(client);
  }

  /**
   * Adds the write of record to txn: created, or replacing one left by an earlier life of the DVS
   * id.
   */
  void add(ZkTxn txn, ChangeRecord record) {
    String path = entry(record);
    if (reads.read(path).isPresent()) {
      txn.set(path, record.toByteArray(), -1);
    } else {
      txn.create(path, record.toByteArray());
    }
  }

  /**
   * Adds the create of record to txn without reading first (a change set's path: one ZooKeeper
   * round trip less): a new generation has no record yet, unless an earlier life of the DVS id left
   * one. Then ZooKeeper refuses the whole transaction, nothing written, and {@link #leftBehind}
   * says so: the caller builds it again with {@link #add}.
   */
  void create(ZkTxn txn, ChangeRecord record) {
    txn.create(entry(record), record.toByteArray());
  }

  /** Whether r refuses the op {@link #create} added for record: a record was there already. */
  static boolean leftBehind(ZkTxn.Rejection r, ChangeRecord record) {
    return r.code() == KeeperException.Code.NODEEXISTS
        && r.op().path().equals(StoreLayout.logEntry(record.getDvsId(), record.getGeneration()));
  }

  /** The znode of record, its DVS's log znode made first if this process has not seen it. */
  private String entry(ChangeRecord record) {
    String dvsId = record.getDvsId();
    if (parents.add(dvsId)) {
      reads.ensure(StoreLayout.log(dvsId));
    }
    return StoreLayout.logEntry(dvsId, record.getGeneration());
  }

  /**
   * Removes a DVS's oldest records beyond {@link #KEEP}, every {@link #PRUNE_EVERY} generations, in
   * one transaction (one write to ZooKeeper's log, not one per record: it runs on the commit's
   * path); best effort.
   */
  void pruneAfter(ChangeRecord written) {
    if (written.getGeneration() % PRUNE_EVERY != 0) {
      return;
    }
    String log = StoreLayout.log(written.getDvsId());
    List<String> names = new ArrayList<>(reads.children(log));
    names.sort(Comparator.naturalOrder());
    ZkTxn txn = new ZkTxn();
    for (int i = 0; i < names.size() - KEEP && txn.bytes() < ZkTxn.MAX_BYTES / 2; i++) {
      txn.delete(log + "/" + names.get(i), -1);
    }
    try {
      txn.commit(client, "pruning the change log of DVS " + written.getDvsId(), r -> null);
    } catch (RuntimeException e) {
      LOG.debug(
          "could not prune the change log of DVS {} ({}); the next pass tries again",
          written.getDvsId(),
          e.toString());
    }
  }

  /** The record of one generation of a DVS, if kept. */
  public Optional<ChangeRecord> get(String dvsId, long generation) {
    if (!StoreLayout.isSegment(dvsId)) {
      return Optional.empty();
    }
    String path = StoreLayout.logEntry(dvsId, generation);
    return reads.read(path).map(v -> ZkReads.parse(ChangeRecord.parser(), v.data(), path));
  }

  /** The newest records of a DVS (limit at most), newest first. */
  public List<ChangeRecord> list(String dvsId, int limit) {
    if (!StoreLayout.isSegment(dvsId)) {
      return List.of();
    }
    String parent = StoreLayout.log(dvsId);
    List<String> names = new ArrayList<>(reads.children(parent));
    names.sort(Comparator.reverseOrder());
    List<String> newest = names.subList(0, Math.max(0, Math.min(limit, names.size())));
    // Read pipelined: one ZooKeeper read after another, a full log (KEEP records) took 10 s under
    // load, and a change-log look-up by request id reads all of it.
    Map<String, byte[]> data = reads.readNamed(Map.of(parent, newest)).get(parent);
    List<ChangeRecord> out = new ArrayList<>();
    for (String name : newest) {
      byte[] record = data.get(name);
      if (record != null) { // trimmed meanwhile
        out.add(ZkReads.parse(ChangeRecord.parser(), record, parent + "/" + name));
      }
    }
    return out;
  }

  /** The ids of every DVS with records, deleted ones included. */
  public List<String> dvsIds() {
    return reads.children(StoreLayout.LOG);
  }
}
