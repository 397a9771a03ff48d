package io.switchplane.manager.store;

import io.switchplane.api.v1.VcenterRecord;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vCenters the VM tracker follows: /switchplane/vcenters/&lt;name&gt; (VcenterRecord, the
 * password sealed). Each write is one ZooKeeper operation, durable when it returns.
 */
public final class VcenterStore {
  private static final Logger LOG = LoggerFactory.getLogger(VcenterStore.class);

  private final CuratorFramework client;
  private final ZkReads reads;

  public VcenterStore(CuratorFramework client) {
    this.client = client;
    this.reads = new ZkReads(client);
  }

  /** Creates the parent znode if missing. Idempotent. */
  public void ensureLayout() {
    try {
      client.create().creatingParentsIfNeeded().forPath(StoreLayout.VCENTERS);
    } catch (KeeperException.NodeExistsException e) {
      LOG.trace("{} exists already", StoreLayout.VCENTERS);
    } catch (Exception e) {
      throw ZkErrors.translate(e, "creating " + StoreLayout.VCENTERS);
    }
  }

  /** ALREADY_EXISTS when the name is taken. */
  public void create(VcenterRecord record) {
    String name = record.getVcenter().getName();
    new ZkTxn()
        .create(StoreLayout.vcenter(name), stored(record).toByteArray())
        .commit(
            client,
            "adding vCenter '" + name + "'",
            r ->
                r.code() == KeeperException.Code.NODEEXISTS
                    ? SwitchplaneException.alreadyExists(
                        "vCenter '%s' is registered already; change it with "
                            + "'switchplane vcenter update'",
                        name)
                    : null);
  }

  /** NOT_FOUND when no vCenter has that name. */
  public void delete(String name) {
    if (!StoreLayout.isSegment(name)) {
      throw SwitchplaneException.notFound("vCenter '%s' not found", name);
    }
    new ZkTxn()
        .delete(StoreLayout.vcenter(name), -1)
        .commit(
            client,
            "removing vCenter '" + name + "'",
            r ->
                r.code() == KeeperException.Code.NONODE
                    ? SwitchplaneException.notFound("vCenter '%s' not found", name)
                    : null);
  }

  /**
   * Replaces the stored record of record's vCenter. expectedRevision is the {@code revision} the
   * caller read, 0 for whatever is stored: NOT_FOUND when the vCenter is gone, ABORTED when it was
   * changed since.
   */
  public void replace(VcenterRecord record, int expectedRevision) {
    String name = record.getVcenter().getName();
    if (!StoreLayout.isSegment(name)) {
      throw SwitchplaneException.notFound("vCenter '%s' not found", name);
    }
    new ZkTxn()
        .set(StoreLayout.vcenter(name), stored(record).toByteArray(), expectedRevision - 1)
        .commit(
            client,
            "changing vCenter '" + name + "'",
            r ->
                switch (r.code()) {
                  case NONODE -> SwitchplaneException.notFound("vCenter '%s' not found", name);
                  case BADVERSION ->
                      SwitchplaneException.aborted(
                          "vCenter '%s' was changed by someone else since revision "
                              + "%d; read it again ('switchplane vcenter list') and retry",
                          name, expectedRevision);
                  default -> null;
                });
  }

  /** The record with its vCenter's revision set; empty for an unknown name. */
  public Optional<VcenterRecord> find(String name) {
    if (!StoreLayout.isSegment(name)) {
      return Optional.empty();
    }
    String path = StoreLayout.vcenter(name);
    return reads
        .read(path)
        .map(v -> withRevision(ZkReads.parse(VcenterRecord.parser(), v.data(), path), v.version()));
  }

  /**
   * Calls onChange (on Curator's event thread; it must not block) whenever a vCenter record is
   * added, changed or removed, by any manager, and once per record when the watch starts, until the
   * returned handle is closed. A Curator cache: events missed while the connection was away are
   * delivered after it returns.
   */
  public Watch watch(Runnable onChange) {
    CuratorCache cache = CuratorCache.build(client, StoreLayout.VCENTERS);
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder().forAll((type, old, node) -> onChange.run()).build());
    cache.start();
    return cache::close;
  }

  /** A running {@link #watch}; closing it stops the calls. */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /** Every registered vCenter with its revision, sorted by name. */
  public List<VcenterRecord> list() {
    List<VcenterRecord> out = new ArrayList<>();
    // One read per vCenter, not readChildren: the revision is the znode version. A manager
    // follows a handful of vCenters.
    for (String name : reads.children(StoreLayout.VCENTERS)) {
      find(name).ifPresent(out::add);
    }
    out.sort(Comparator.comparing(r -> r.getVcenter().getName()));
    return out;
  }

  // The revision lives in the znode version, never in the stored bytes.
  private static VcenterRecord stored(VcenterRecord r) {
    return r.toBuilder().setVcenter(r.getVcenter().toBuilder().clearRevision()).build();
  }

  private static VcenterRecord withRevision(VcenterRecord r, int zkVersion) {
    return r.toBuilder().setVcenter(r.getVcenter().toBuilder().setRevision(zkVersion + 1)).build();
  }
}
