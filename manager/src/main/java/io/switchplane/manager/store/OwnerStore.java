package io.switchplane.manager.store;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.SwitchplaneException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The owner record of each DVS at {@link StoreLayout#owner}: data the owning manager's id (empty
 * when released), and the owner <em>epoch</em> = the znode's version + 1. Every claim and every
 * release is a version-checked setData, so it bumps the epoch and two managers can never both claim
 * from the same record. A record is never deleted (a DVS restored under its old id keeps its epoch
 * line, and agents never see an epoch go back).
 *
 * <p>Fencing: {@link #fence} adds a {@code check} of the record at the writer's epoch to a
 * transaction, so a DVS write by a manager that lost ownership fails as a whole; {@link #explain}
 * turns that failure into UNAVAILABLE with reason {@link ErrorReason#NOT_DVS_OWNER}.
 *
 * <p>Reads come from a {@link CuratorCache} ({@link #start()}/{@link #close()}); claims and
 * releases go to ZooKeeper.
 */
public final class OwnerStore implements AutoCloseable {
  /**
   * One DVS's owner record.
   *
   * @param owner the owning manager's id, empty when released (or never claimed)
   * @param epoch the record's version + 1; 0 when there is no record yet
   */
  public record Owner(String owner, long epoch) {
    public static final Owner NONE = new Owner("", 0);

    public boolean owned() {
      return !owner.isEmpty();
    }
  }

  private final CuratorFramework client;
  private final CuratorCache cache;
  private volatile boolean initialized;

  /** Does no I/O. */
  public OwnerStore(CuratorFramework client) {
    this.client = client;
    this.cache = CuratorCache.build(client, StoreLayout.OWNERS);
  }

  public void ensureLayout() {
    try {
      client.createContainers(StoreLayout.OWNERS);
    } catch (Exception e) {
      throw ZkErrors.translate(e, "creating " + StoreLayout.OWNERS);
    }
  }

  /** Starts the cache; changes are told to onChange (on Curator's thread; keep it short). */
  public void start(Runnable onChange) {
    CacheWatch.listen(cache, () -> initialized = true, onChange);
    cache.start();
  }

  @Override
  public void close() {
    cache.close();
  }

  /** Whether the cache has loaded what ZooKeeper had at start. */
  public boolean initialized() {
    return initialized;
  }

  /** The cached record of DVS id ({@link Owner#NONE} when there is none). */
  public Owner cached(String dvsId) {
    return cache.get(StoreLayout.owner(dvsId)).map(OwnerStore::owner).orElse(Owner.NONE);
  }

  /** Every cached record, by DVS id. */
  public Map<String, Owner> cachedAll() {
    Map<String, Owner> all = new TreeMap<>();
    cache.stream()
        .filter(d -> !d.getPath().equals(StoreLayout.OWNERS))
        .forEach(d -> all.put(d.getPath().substring(StoreLayout.OWNERS.length() + 1), owner(d)));
    return all;
  }

  /** The record of DVS id as ZooKeeper has it now. */
  public Owner read(String dvsId) {
    try {
      Stat stat = new Stat();
      byte[] data = client.getData().storingStatIn(stat).forPath(StoreLayout.owner(dvsId));
      return new Owner(new String(data, StandardCharsets.UTF_8), stat.getVersion() + 1L);
    } catch (KeeperException.NoNodeException e) {
      return Owner.NONE;
    } catch (Exception e) {
      throw ZkErrors.translate(e, "reading the owner of DVS " + dvsId);
    }
  }

  /**
   * Claims DVS id for managerId if its record is still seen (at seen's epoch; {@link Owner#NONE}:
   * no record yet). Returns the new epoch, or empty when the record changed meanwhile (another
   * manager claimed or released first: nothing was written).
   */
  public Optional<Long> claim(String dvsId, String managerId, Owner seen) {
    return write(dvsId, managerId, seen, "claiming");
  }

  /**
   * Releases DVS id if its record is still at epoch (so the next owner can claim it at once).
   * Returns false when the record changed meanwhile (ownership already moved on).
   */
  public boolean release(String dvsId, long epoch) {
    return write(dvsId, "", new Owner("?", epoch), "releasing").isPresent();
  }

  private Optional<Long> write(String dvsId, String data, Owner seen, String what) {
    String path = StoreLayout.owner(dvsId);
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    try {
      if (seen.epoch() == 0) {
        client.create().forPath(path, bytes);
        return Optional.of(1L);
      }
      Stat stat = client.setData().withVersion((int) (seen.epoch() - 1)).forPath(path, bytes);
      return Optional.of(stat.getVersion() + 1L);
    } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw ZkErrors.translate(e, what + " DVS " + dvsId);
    }
  }

  /** Adds to txn the check that DVS dvsId's owner record is still at epoch. */
  public static void fence(ZkTxn txn, String dvsId, long epoch) {
    txn.check(StoreLayout.owner(dvsId), (int) (epoch - 1));
  }

  /**
   * The failure for a rejected op that is an owner check (see {@link #fence}): UNAVAILABLE with
   * reason {@link ErrorReason#NOT_DVS_OWNER}; null for any other op.
   */
  public static SwitchplaneException explain(ZkTxn.Rejection r, String dvsName) {
    if (r.op().kind() != ZkTxn.Kind.CHECK || !r.op().path().startsWith(StoreLayout.OWNERS + "/")) {
      return null;
    }
    return new SwitchplaneException(
            ErrorCode.UNAVAILABLE,
            "this manager no longer owns DVS '"
                + dvsName
                + "' (its owner epoch moved on); nothing was written, retry",
            r.cause())
        .because(ErrorReason.NOT_DVS_OWNER);
  }

  private static Owner owner(ChildData d) {
    return new Owner(
        new String(d.getData(), StandardCharsets.UTF_8), d.getStat().getVersion() + 1L);
  }
}
