package io.switchplane.manager.store;

import io.switchplane.api.v1.VcenterRecord;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
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
    new ZkTxn().create(StoreLayout.vcenter(name), record.toByteArray())
        .commit(client, "adding vCenter '" + name + "'", r -> r.code() == KeeperException.Code.NODEEXISTS
            ? SwitchplaneException.alreadyExists("vCenter '%s' is registered already; remove it first to change it",
                name) : null);
  }

  /** NOT_FOUND when no vCenter has that name. */
  public void delete(String name) {
    if (!StoreLayout.isSegment(name)) {
      throw SwitchplaneException.notFound("vCenter '%s' not found", name);
    }
    new ZkTxn().delete(StoreLayout.vcenter(name), -1)
        .commit(client, "removing vCenter '" + name + "'", r -> r.code() == KeeperException.Code.NONODE
            ? SwitchplaneException.notFound("vCenter '%s' not found", name) : null);
  }

  public Optional<VcenterRecord> find(String name) {
    if (!StoreLayout.isSegment(name)) {
      return Optional.empty();
    }
    String path = StoreLayout.vcenter(name);
    return reads.read(path).map(v -> ZkReads.parse(VcenterRecord.parser(), v.data(), path));
  }

  /** Every registered vCenter, sorted by name. */
  public List<VcenterRecord> list() {
    List<VcenterRecord> out = new ArrayList<>();
    reads.readChildren(StoreLayout.VCENTERS).forEach((name, data) ->
        out.add(ZkReads.parse(VcenterRecord.parser(), data, StoreLayout.vcenter(name))));
    out.sort(Comparator.comparing(r -> r.getVcenter().getName()));
    return out;
  }
}
