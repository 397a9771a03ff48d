package io.switchplane.manager.store;

import io.switchplane.api.v1.AtomicTxnRecord;
import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.manager.changeset.EntityWrite;
import io.switchplane.manager.changeset.Plan;
import io.switchplane.manager.model.DvsConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DVS configurations in ZooKeeper, through Curator (layout in {@link StoreLayout}).
 *
 * <p>Why ZooKeeper and Curator: ZooKeeper gives linearizable writes, multi-op transactions with
 * per-znode version checks, and sessions for leader election, which is exactly what "one change set
 * = one atomic, optimistically checked write" and "one leader pushes" need. Curator adds the retry
 * policy, connection-state handling, the transaction API and the LeaderLatch recipe, so none of
 * that is hand-written.
 *
 * <p>Concurrency contract: the DVS znode is written exactly once per generation. It is created at
 * znode version 0 with generation 1 and every change set sets it with generation + 1, so its znode
 * version is always generation - 1. Every change set is ONE transaction whose first op is the DVS
 * setData expecting that version, followed by the entity writes: a writer that planned against a
 * stale generation gets ABORTED and nothing is written. Transactions above {@link ZkTxn#MAX_BYTES}
 * are refused with INVALID_ARGUMENT before anything is sent.
 */
public final class DvsStore {
  private static final Logger LOG = LoggerFactory.getLogger(DvsStore.class);

  /** Attempts at a consistent read of one DVS while it is being written. */
  private static final int READ_ATTEMPTS = 5;

  private final CuratorFramework client;
  private final ZkReads reads;
  private final ChangeLogStore log;
  private final WriteFence fence;
  private final PlanRecords planRecords;

  public DvsStore(CuratorFramework client) {
    this(client, WriteFence.NONE);
  }

  /**
   * @param fence added to every write of an existing DVS (change sets, decisions, deletion)
   */
  public DvsStore(CuratorFramework client, WriteFence fence) {
    this(client, fence, PlanRecords.NONE);
  }

  /**
   * @param planRecords znodes that follow each change set in its transaction (VMkernel addresses)
   */
  public DvsStore(CuratorFramework client, WriteFence fence, PlanRecords planRecords) {
    this.fence = fence;
    this.planRecords = planRecords;
    this.client = client;
    this.reads = new ZkReads(client);
    this.log = new ChangeLogStore(client);
  }

  /** The audit log, whose records this store writes with each generation. */
  public ChangeLogStore changeLog() {
    return log;
  }

  /** A DVS record with the znode version it was read at. */
  public record VersionedDvs(Dvs dvs, int version) {}

  /** Creates the top-level znodes if missing. Idempotent. */
  public void ensureLayout() {
    for (String path :
        List.of(
            StoreLayout.DVS,
            StoreLayout.HOSTS,
            StoreLayout.DVS_NAMES,
            StoreLayout.HOST_NAMES,
            StoreLayout.TXN,
            StoreLayout.SNAPSHOTS,
            StoreLayout.SNAPSHOT_DATA,
            StoreLayout.RETIRED_DVS,
            StoreLayout.SNAPSHOT_NAMES,
            StoreLayout.LOG)) {
      reads.ensure(path);
    }
  }

  /** The id of the DVS with this name, if any. */
  public Optional<String> idByName(String name) {
    if (!StoreLayout.isSegment(name)) {
      return Optional.empty();
    }
    return reads
        .read(StoreLayout.dvsName(name))
        .map(v -> new String(v.data(), StandardCharsets.UTF_8));
  }

  /** The DVS record (without port groups and ports) with its znode version. */
  public Optional<VersionedDvs> readDvs(String id) {
    if (!StoreLayout.isSegment(id)) {
      return Optional.empty();
    }
    String path = StoreLayout.dvs(id);
    return reads
        .read(path)
        .map(v -> new VersionedDvs(ZkReads.parse(Dvs.parser(), v.data(), path), v.version()));
  }

  /** Every DVS record with its znode version, sorted by name. */
  public List<VersionedDvs> listDvs() {
    List<VersionedDvs> out = new ArrayList<>();
    for (String id : reads.children(StoreLayout.DVS)) {
      readDvs(id).ifPresent(out::add);
    }
    out.sort(Comparator.comparing(v -> v.dvs().getName()));
    return out;
  }

  /**
   * One DVS with its port groups and ports, consistent at one generation: the record is read again
   * after its children and the read repeats if a change set landed meanwhile.
   */
  public Optional<DvsConfig> load(String id) {
    for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      Optional<VersionedDvs> first = readDvs(id);
      if (first.isEmpty()) {
        return Optional.empty();
      }
      Map<String, PortGroup> groups = new LinkedHashMap<>();
      reads
          .readChildren(StoreLayout.portGroups(id))
          .forEach(
              (pgId, data) ->
                  groups.put(
                      pgId,
                      ZkReads.parse(PortGroup.parser(), data, StoreLayout.portGroup(id, pgId))));
      Map<String, Port> ports = new LinkedHashMap<>();
      List<String> buckets = new ArrayList<>();
      for (int bucket = 0; bucket < StoreLayout.PORT_BUCKETS; bucket++) {
        buckets.add(StoreLayout.portBucket(id, bucket));
      }
      Map<String, Map<String, byte[]>> byBucket = reads.readChildrenOf(buckets);
      for (String parent : buckets) {
        byBucket
            .get(parent)
            .forEach(
                (key, data) ->
                    ports.put(key, ZkReads.parse(Port.parser(), data, parent + "/" + key)));
      }
      Optional<VersionedDvs> again = readDvs(id);
      if (again.isPresent() && again.get().version() == first.get().version()) {
        checkVersion(again.get());
        return Optional.of(DvsConfig.of(again.get().dvs(), groups, ports));
      }
      LOG.debug("DVS {} changed while loading it (attempt {}); reading again", id, attempt);
    }
    throw SwitchplaneException.unavailable("DVS %s kept changing while being read; retry", id);
  }

  /** Every DVS with its children (for the leader's cache). */
  public List<DvsConfig> loadAll() {
    List<DvsConfig> out = new ArrayList<>();
    for (String id : reads.children(StoreLayout.DVS)) {
      load(id).ifPresent(out::add);
    }
    return out;
  }

  /**
   * Stores a whole DVS at once (new, or restored as a new DVS): record, port groups, ports and name
   * in one transaction, at the record's generation. ALREADY_EXISTS when its id or name is taken;
   * INVALID_ARGUMENT when it is larger than one transaction. record: its audit record.
   */
  public void createWhole(DvsConfig config, ChangeRecord record) {
    Dvs dvs = config.dvs();
    String id = dvs.getId();
    ZkTxn txn =
        new ZkTxn()
            .create(StoreLayout.dvs(id), dvs.toByteArray())
            .create(StoreLayout.portGroups(id), new byte[0])
            .create(StoreLayout.ports(id), new byte[0]);
    for (int bucket = 0; bucket < StoreLayout.PORT_BUCKETS; bucket++) {
      txn.create(StoreLayout.portBucket(id, bucket), new byte[0]);
    }
    config
        .portGroups()
        .values()
        .forEach(pg -> txn.create(StoreLayout.portGroup(id, pg.getId()), pg.toByteArray()));
    config
        .ports()
        .values()
        .forEach(p -> txn.create(StoreLayout.port(id, p.getKey()), p.toByteArray()));
    txn.create(StoreLayout.dvsName(dvs.getName()), id.getBytes(StandardCharsets.UTF_8));
    for (var m : dvs.getMembersList()) {
      txn.check(StoreLayout.host(m.getHostId()), -1);
    }
    log.add(txn, record);
    txn.checkSize("the new DVS '" + dvs.getName() + "' (" + config.ports().size() + " ports)");
    txn.commit(
        client,
        "creating DVS '" + dvs.getName() + "'",
        r -> {
          if (r.code() == KeeperException.Code.NODEEXISTS
              && r.op().path().equals(StoreLayout.dvsName(dvs.getName()))) {
            return SwitchplaneException.alreadyExists(
                "a DVS named '%s' exists already", dvs.getName());
          }
          if (r.code() == KeeperException.Code.NODEEXISTS
              && r.op().path().equals(StoreLayout.dvs(id))) {
            return SwitchplaneException.alreadyExists("a DVS with id %s exists already", id);
          }
          if (r.code() == KeeperException.Code.NONODE
              && r.op().path().startsWith(StoreLayout.HOSTS + "/")) {
            return SwitchplaneException.notFound(
                "host %s is not registered: register it before restoring",
                r.op().path().substring(StoreLayout.HOSTS.length() + 1));
          }
          return null;
        });
  }

  /**
   * Commits a planned change set as one transaction. ABORTED when the DVS moved past the plan's
   * base generation; ALREADY_EXISTS when a rename takes a used name; NOT_FOUND when the DVS or an
   * added member host disappeared; INVALID_ARGUMENT when it is too large.
   */
  public void commit(Plan plan, ChangeRecord audit) {
    commit(plan, null, audit);
  }

  /**
   * As {@link #commit(Plan, ChangeRecord)}, with the decision record of an atomic change set (null:
   * none) written in the same transaction.
   */
  public void commit(Plan plan, AtomicTxnRecord record, ChangeRecord audit) {
    // The change record is created without reading first; one left by an earlier life of the DVS
    // id makes ZooKeeper refuse the whole transaction (nothing written): sent again replacing it.
    if (!commit(plan, record, audit, false)) {
      commit(plan, record, audit, true);
    }
  }

  /**
   * One attempt of {@link #commit(Plan, AtomicTxnRecord, ChangeRecord)}; false, nothing written,
   * when the change record was created (replaceRecord false) and ZooKeeper found one there already.
   */
  private boolean commit(
      Plan plan, AtomicTxnRecord record, ChangeRecord audit, boolean replaceRecord) {
    DvsConfig before = plan.before();
    Dvs after = plan.after().dvs();
    String id = before.id();
    ZkTxn txn =
        new ZkTxn().set(StoreLayout.dvs(id), after.toByteArray(), expectedVersion(before.dvs()));
    String oldName = before.dvs().getName();
    if (!oldName.equals(after.getName())) {
      txn.delete(StoreLayout.dvsName(oldName), -1);
      txn.create(StoreLayout.dvsName(after.getName()), id.getBytes(StandardCharsets.UTF_8));
    }
    for (String hostId : plan.addedMembers()) {
      // The host must still be registered when the membership lands (RemoveHost checks the other
      // way).
      txn.check(StoreLayout.host(hostId), -1);
    }
    for (EntityWrite w : plan.writes()) {
      // Java 17: no pattern matching in switch yet.
      if (w instanceof EntityWrite.PutPortGroup p) {
        put(
            txn,
            StoreLayout.portGroup(id, p.portGroup().getId()),
            p.portGroup().toByteArray(),
            p.created());
      } else if (w instanceof EntityWrite.DeletePortGroup d) {
        txn.delete(StoreLayout.portGroup(id, d.portGroupId()), -1);
      } else if (w instanceof EntityWrite.PutPort p) {
        put(txn, StoreLayout.port(id, p.port().getKey()), p.port().toByteArray(), p.created());
      } else if (w instanceof EntityWrite.DeletePort d) {
        txn.delete(StoreLayout.port(id, d.key()), -1);
      }
    }
    planRecords.addTo(txn, plan);
    if (record != null) {
      putTxn(txn, id, record);
    }
    fence.add(txn, id, oldName);
    if (replaceRecord) {
      log.add(txn, audit);
    } else {
      log.create(txn, audit);
    }
    txn.checkSize(
        "the change set ("
            + plan.writes().size()
            + " entity writes"
            + (record == null ? ")" : " and, atomic, the previous values to restore on abort)"));
    boolean[] recordLeft = {false};
    try {
      txn.commit(
          client,
          "committing a change set to DVS '" + oldName + "'",
          r -> {
            if (!replaceRecord && ChangeLogStore.leftBehind(r, audit)) {
              recordLeft[0] = true;
            }
            return explain(r, before, after);
          });
      log.pruneAfter(audit);
      return true;
    } catch (SwitchplaneException e) {
      if (recordLeft[0]) {
        return false;
      }
      if (e.code() == ErrorCode.ABORTED && landedAlready(plan.after())) {
        // Curator retries a multi after a connection loss; if the first attempt had landed,
        // the retry sees our own version bump. The whole stored DVS is exactly the planned one:
        // success.
        LOG.info(
            "change set to DVS {} generation {} had landed before a connection loss",
            id,
            after.getGeneration());
        return true;
      }
      throw e;
    }
  }

  /**
   * Throws what the write fence would refuse a write of dvsId with now (leadership per DVS:
   * UNAVAILABLE, reason NOT_DVS_OWNER, when this manager does not own it), writing nothing. A
   * writer asks before planning on its cached configuration: a manager that lost the DVS may hold a
   * stale one, and a refusal planned on it (NOT_FOUND, ALREADY_EXISTS) would be a wrong answer.
   */
  public void requireWritable(String dvsId, String dvsName) {
    fence.add(new ZkTxn(), dvsId, dvsName);
  }

  /** Records the decision of an atomic change set (the DVS itself does not change). */
  public void recordDecision(String dvsId, AtomicTxnRecord record) {
    ZkTxn txn = new ZkTxn();
    putTxn(txn, dvsId, record);
    fence.add(txn, dvsId, dvsId);
    txn.commit(
        client,
        "recording the decision of generation " + record.getGeneration() + " of DVS " + dvsId,
        r -> OwnerStore.explain(r, dvsId));
  }

  /** The decision record of the last atomic change set of a DVS, if any. */
  public Optional<AtomicTxnRecord> readTxn(String dvsId) {
    String path = StoreLayout.txn(dvsId);
    return reads
        .read(path)
        .filter(v -> v.data().length > 0)
        .map(v -> ZkReads.parse(AtomicTxnRecord.parser(), v.data(), path));
  }

  private void putTxn(ZkTxn txn, String dvsId, AtomicTxnRecord record) {
    if (reads.read(StoreLayout.txn(dvsId)).isPresent()) {
      txn.set(StoreLayout.txn(dvsId), record.toByteArray(), -1);
    } else {
      txn.create(StoreLayout.txn(dvsId), record.toByteArray());
    }
  }

  /**
   * The newest generation a deleted DVS with this id reached: its removal from the hosts still
   * members when it was deleted (0: none deleted here). Its hosts may hold it (a removed switch
   * keeps its generation), so a DVS restored with this id must continue above it.
   */
  public long retiredGeneration(String id) {
    if (!StoreLayout.isSegment(id)) {
      return 0;
    }
    String path = StoreLayout.retiredDvs(id);
    return reads
        .read(path)
        .map(v -> ZkReads.parse(Dvs.parser(), v.data(), path).getGeneration())
        .orElse(0L);
  }

  /**
   * Deletes a DVS with no ports: its port groups, buckets, record and name, in one transaction that
   * also keeps its record, at its removal generation, under {@link StoreLayout#RETIRED_DVS}.
   */
  public void delete(DvsConfig last, ChangeRecord audit) {
    String id = last.id();
    if (!last.ports().isEmpty()) {
      throw SwitchplaneException.precondition(
          "DVS '%s' still has %d port(s); delete them first",
          last.dvs().getName(), last.ports().size());
    }
    ZkTxn txn = new ZkTxn().check(StoreLayout.dvs(id), expectedVersion(last.dvs()));
    for (String pgId : last.portGroups().keySet()) {
      txn.delete(StoreLayout.portGroup(id, pgId), -1);
    }
    txn.delete(StoreLayout.portGroups(id), -1);
    for (int bucket = 0; bucket < StoreLayout.PORT_BUCKETS; bucket++) {
      txn.delete(StoreLayout.portBucket(id, bucket), -1);
    }
    txn.delete(StoreLayout.ports(id), -1);
    txn.delete(StoreLayout.dvs(id), expectedVersion(last.dvs()));
    txn.delete(StoreLayout.dvsName(last.dvs().getName()), -1);
    // Members still attached get the removal at the generation after the last: that one is kept.
    byte[] retired =
        last.dvs().toBuilder().setGeneration(last.removalGeneration()).build().toByteArray();
    if (reads.read(StoreLayout.retiredDvs(id)).isPresent()) {
      txn.set(StoreLayout.retiredDvs(id), retired, -1);
    } else {
      txn.create(StoreLayout.retiredDvs(id), retired);
    }
    if (reads.read(StoreLayout.txn(id)).isPresent()) {
      txn.delete(StoreLayout.txn(id), -1);
    }
    fence.add(txn, id, last.dvs().getName());
    log.add(txn, audit);
    txn.checkSize(
        "deleting DVS '"
            + last.dvs().getName()
            + "' with its "
            + last.portGroups().size()
            + " port groups (delete port groups first in smaller change sets)");
    txn.commit(
        client,
        "deleting DVS '" + last.dvs().getName() + "'",
        r -> {
          if (r.code() == KeeperException.Code.NOTEMPTY) {
            return SwitchplaneException.aborted(
                "DVS '%s' changed concurrently (an entity was added); re-read and retry",
                last.dvs().getName());
          }
          return explain(r, last, last.dvs());
        });
  }

  private SwitchplaneException explain(ZkTxn.Rejection r, DvsConfig before, Dvs after) {
    String dvsPath = StoreLayout.dvs(before.id());
    String name = before.dvs().getName();
    SwitchplaneException notOwner = OwnerStore.explain(r, name);
    if (notOwner != null) {
      return notOwner;
    }
    SwitchplaneException record = planRecords.explain(r);
    if (record != null) {
      return record;
    }
    if (r.op().path().equals(dvsPath)) {
      if (r.code() == KeeperException.Code.BADVERSION) {
        String now =
            readDvs(before.id()).map(v -> Long.toString(v.dvs().getGeneration())).orElse("deleted");
        return new SwitchplaneException(
            ErrorCode.ABORTED,
            String.format(
                "DVS '%s' changed concurrently (now at generation %s, this change was planned on %d); re-read and retry",
                name, now, before.generation()),
            r.cause());
      }
      if (r.code() == KeeperException.Code.NONODE) {
        return new SwitchplaneException(
            ErrorCode.NOT_FOUND, "DVS '" + name + "' was deleted concurrently", r.cause());
      }
    }
    if (r.code() == KeeperException.Code.NODEEXISTS
        && r.op().path().equals(StoreLayout.dvsName(after.getName()))) {
      return SwitchplaneException.alreadyExists("a DVS named '%s' exists already", after.getName());
    }
    if (r.code() == KeeperException.Code.NONODE
        && r.op().path().startsWith(StoreLayout.HOSTS + "/")) {
      return SwitchplaneException.notFound(
          "host %s was unregistered concurrently; it cannot join DVS '%s'",
          r.op().path().substring(StoreLayout.HOSTS.length() + 1), name);
    }
    if (r.code() == KeeperException.Code.NODEEXISTS || r.code() == KeeperException.Code.NONODE) {
      // The DVS version matched but an entity did not: another writer is at work. Never half-write.
      return new SwitchplaneException(
          ErrorCode.ABORTED,
          "DVS '"
              + name
              + "' changed concurrently ("
              + r.code()
              + " at "
              + r.op().path()
              + "); re-read and retry",
          r.cause());
    }
    return null;
  }

  private static void put(ZkTxn txn, String path, byte[] data, boolean create) {
    if (create) {
      txn.create(path, data);
    } else {
      txn.set(path, data, -1);
    }
  }

  /**
   * Whether the store holds exactly this configuration. The DVS record alone would not do: a change
   * set touching only ports leaves it equal to any other change set at that generation.
   */
  private boolean landedAlready(DvsConfig after) {
    Optional<VersionedDvs> now = readDvs(after.id());
    if (now.isEmpty() || !now.get().dvs().equals(after.dvs())) {
      return false;
    }
    return load(after.id())
        .map(
            c ->
                c.dvs().equals(after.dvs())
                    && c.portGroups().equals(after.portGroups())
                    && c.ports().equals(after.ports()))
        .orElse(false);
  }

  /** The znode version of the DVS record at dvs's generation (see {@code Dvs.generation_base}). */
  private static int expectedVersion(Dvs dvs) {
    return Math.toIntExact(dvs.getGeneration() - Math.max(1, dvs.getGenerationBase()));
  }

  private static void checkVersion(VersionedDvs v) {
    if (v.version() != expectedVersion(v.dvs())) {
      throw new SwitchplaneException(
          ErrorCode.INTERNAL,
          String.format(
              "DVS %s is at generation %d but its znode at version %d (expected %d): written outside Switchplane?",
              v.dvs().getId(), v.dvs().getGeneration(), v.version(), expectedVersion(v.dvs())));
    }
  }
}
