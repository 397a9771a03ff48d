package io.switchplane.manager.store;

import io.switchplane.api.v1.OperatorUser;
import io.switchplane.common.error.SwitchplaneException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.KeeperException;

/**
 * Operators at /switchplane/users/&lt;name&gt;. Every call is authenticated against them, so
 * lookups by token hash are served from a local copy kept by a Curator {@link CuratorCache}; a miss
 * goes to ZooKeeper (a user added a moment ago on another manager is found), and so does the
 * question whether any user exists until the copy has loaded, so that a copy still loading never
 * lets a caller in as the open manager's anonymous admin. A removed user's token stops working here
 * at once, on the other managers when their copy hears of it (milliseconds).
 */
public final class UserStore implements AutoCloseable {
  private final CuratorFramework client;
  private final ZkReads reads;
  private final CuratorCache cache;
  private final Map<String, OperatorUser> byHash = new ConcurrentHashMap<>();
  private volatile boolean loaded;

  public UserStore(CuratorFramework client) {
    this.client = client;
    this.reads = new ZkReads(client);
    this.cache = CuratorCache.build(client, StoreLayout.USERS);
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forCreatesAndChanges((old, node) -> remember(node))
                .forDeletes(this::forget)
                .forInitialized(() -> loaded = true)
                .build());
  }

  /** Creates the users znode and starts following it. */
  public void start() {
    reads.ensure(StoreLayout.USERS);
    cache.start();
  }

  @Override
  public void close() {
    cache.close();
  }

  /** Whether any operator exists (then every call needs a token). */
  public boolean anyUser() {
    return !byHash.isEmpty() || !loaded && !reads.children(StoreLayout.USERS).isEmpty();
  }

  /** The operator whose token has this hex SHA-256, if any. */
  public Optional<OperatorUser> byTokenHash(String hash) {
    OperatorUser u = byHash.get(hash);
    if (u != null) {
      return Optional.of(u);
    }
    return list().stream().filter(x -> x.getTokenSha256().equals(hash)).findFirst();
  }

  /** The operator of that name, if any. */
  public Optional<OperatorUser> byName(String name) {
    Optional<OperatorUser> cached =
        byHash.values().stream().filter(u -> u.getName().equals(name)).findFirst();
    if (cached.isPresent() || loaded || !StoreLayout.isSegment(name)) {
      return cached;
    }
    String path = StoreLayout.user(name);
    return reads.read(path).map(v -> ZkReads.parse(OperatorUser.parser(), v.data(), path));
  }

  /** Every operator, sorted by name. */
  public List<OperatorUser> list() {
    List<OperatorUser> out = new ArrayList<>();
    reads
        .readChildren(StoreLayout.USERS)
        .forEach(
            (name, data) ->
                out.add(ZkReads.parse(OperatorUser.parser(), data, StoreLayout.user(name))));
    out.sort(Comparator.comparing(OperatorUser::getName));
    return out;
  }

  /** Stores a new operator. ALREADY_EXISTS when the name is taken. */
  public void add(OperatorUser user) {
    new ZkTxn()
        .create(StoreLayout.user(user.getName()), user.toByteArray())
        .commit(
            client,
            "adding operator " + user.getName(),
            r ->
                r.code() == KeeperException.Code.NODEEXISTS
                    ? SwitchplaneException.alreadyExists(
                        "an operator named '%s' exists already", user.getName())
                    : null);
    byHash.put(
        user.getTokenSha256(),
        user); // this manager is closed from now on, whatever the cache's timing
  }

  /** Removes an operator. NOT_FOUND when there is none of that name. */
  public OperatorUser remove(String name) {
    if (!StoreLayout.isSegment(name)) {
      throw SwitchplaneException.notFound("no operator named '%s'", name);
    }
    String path = StoreLayout.user(name);
    OperatorUser user =
        reads
            .read(path)
            .map(v -> ZkReads.parse(OperatorUser.parser(), v.data(), path))
            .orElseThrow(() -> SwitchplaneException.notFound("no operator named '%s'", name));
    new ZkTxn()
        .delete(path, -1)
        .commit(
            client,
            "removing operator " + name,
            r ->
                r.code() == KeeperException.Code.NONODE
                    ? SwitchplaneException.notFound("no operator named '%s'", name)
                    : null);
    byHash.remove(user.getTokenSha256()); // refused from now on, whatever the cache's timing
    return user;
  }

  private void remember(ChildData node) {
    if (node.getPath().equals(StoreLayout.USERS)
        || node.getData() == null
        || node.getData().length == 0) {
      return;
    }
    OperatorUser u = ZkReads.parse(OperatorUser.parser(), node.getData(), node.getPath());
    byHash.values().removeIf(x -> x.getName().equals(u.getName()));
    byHash.put(u.getTokenSha256(), u);
  }

  private void forget(ChildData node) {
    String name = node.getPath().substring(node.getPath().lastIndexOf('/') + 1);
    byHash.values().removeIf(x -> x.getName().equals(name));
  }
}
