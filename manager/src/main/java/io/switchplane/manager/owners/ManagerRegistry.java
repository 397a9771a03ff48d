package io.switchplane.manager.owners;

import io.switchplane.manager.store.CacheWatch;
import io.switchplane.manager.store.StoreLayout;
import io.switchplane.manager.store.ZkErrors;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live managers: each registers an ephemeral znode under {@link StoreLayout#MANAGERS} (named by
 * its id, data its operator endpoint, so another manager can forward a write to it), kept by a
 * Curator {@link PersistentNode} (re-created after a session loss), and every manager watches the
 * others' through a {@link CuratorCache}. A manager is live exactly while its ZooKeeper session
 * holds its znode.
 *
 * <p>Lifecycle: constructed (no I/O), {@link #start} once, {@link #close()} (removes this manager's
 * znode, so the others see it leave at once rather than at its session's expiry).
 */
public final class ManagerRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ManagerRegistry.class);

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final CuratorFramework client;
  private final String id;
  private final PersistentNode node;
  private final CuratorCache cache;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

  /** Whether the cache has loaded what ZooKeeper had at start (before: live() may miss some). */
  private volatile boolean initialized;

  /**
   * @param id this manager's id (any text; encoded into the znode name)
   * @param endpoint its operator API, host:port
   */
  public ManagerRegistry(CuratorFramework client, String id, String endpoint) {
    this.client = client;
    this.id = id;
    this.node =
        new PersistentNode(
            client,
            CreateMode.EPHEMERAL,
            false,
            StoreLayout.manager(encode(id)),
            endpoint.getBytes(StandardCharsets.UTF_8));
    this.cache = CuratorCache.build(client, StoreLayout.MANAGERS);
  }

  /**
   * Registers this manager and starts watching the others; onChange runs (on Curator's thread, keep
   * it short) whenever the set changes. Waits up to 10 s for the own znode.
   */
  public void start(Runnable onChange) {
    if (!state.compareAndSet(State.NEW, State.STARTED)) {
      throw new IllegalStateException("manager registry is " + state.get());
    }
    try {
      client.createContainers(StoreLayout.MANAGERS);
      CacheWatch.listen(cache, () -> initialized = true, onChange);
      cache.start();
      node.start();
      if (!node.waitForInitialCreate(10, TimeUnit.SECONDS)) {
        LOG.warn("manager {} not registered in ZooKeeper within 10 s; still trying", id);
      }
    } catch (InterruptedException e) {
      throw ZkErrors.translate(e, "registering manager " + id);
    } catch (Exception e) {
      throw ZkErrors.translate(e, "registering manager " + id);
    }
  }

  /** This manager's id. */
  public String id() {
    return id;
  }

  /** Whether {@link #live()} reflects ZooKeeper (its cache has loaded once). */
  public boolean initialized() {
    return initialized;
  }

  /**
   * Whether managerId's registration exists in ZooKeeper now, read there (not from the cache, which
   * may lag): what a manager checks before it claims a DVS from an owner it believes gone.
   */
  public boolean registered(String managerId) {
    try {
      return client.checkExists().forPath(StoreLayout.manager(encode(managerId))) != null;
    } catch (Exception e) {
      throw ZkErrors.translate(e, "checking whether manager " + managerId + " is live");
    }
  }

  /** The live managers (as this manager's cache sees them): id to operator endpoint. */
  public Map<String, String> live() {
    Map<String, String> live = new TreeMap<>();
    cache.stream()
        .filter(d -> d.getPath().startsWith(StoreLayout.MANAGERS + "/"))
        .forEach(
            d ->
                live.put(
                    decode(d.getPath().substring(StoreLayout.MANAGERS.length() + 1)),
                    new String(d.getData(), StandardCharsets.UTF_8)));
    return live;
  }

  /** Leaves: removes this manager's znode (best effort) and stops watching. Idempotent. */
  public void deregister() {
    try {
      node.close();
    } catch (IOException e) {
      LOG.warn("removing the registration of manager {} failed", id, e);
    }
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    deregister();
    cache.close();
  }

  static String encode(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  static String decode(String name) {
    return URLDecoder.decode(name, StandardCharsets.UTF_8);
  }
}
