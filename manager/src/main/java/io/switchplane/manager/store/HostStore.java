package io.switchplane.manager.store;

import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.HostMember;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.validation.ModelValidator;
import io.switchplane.manager.changeset.HostLookup;
import io.switchplane.manager.reconcile.HostDirectory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host registry: /switchplane/hosts/&lt;id&gt; (Host) and
 * /switchplane/index/host-names/&lt;name&gt; (id), written together in one transaction so a name is
 * never half-claimed.
 *
 * <p>Lookups ({@link #host}, {@link #find}) are served from a local copy kept up to date by a
 * Curator {@link CuratorCache} (a change set with thousands of port ops resolves as many host
 * references), falling back to ZooKeeper on a miss so a host registered a moment ago is found. A
 * stale hit is harmless: a host joining a DVS is re-checked inside the commit transaction, and
 * {@link #remove} checks every DVS's version inside its own.
 */
public final class HostStore implements HostDirectory, HostLookup, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostStore.class);

  private final CuratorFramework client;
  private final DvsStore dvsStore;
  private final ZkReads reads;
  private final CuratorCache cache;
  private final Map<String, Host> byId = new ConcurrentHashMap<>();
  private final Map<String, String> idByName = new ConcurrentHashMap<>();
  // Run after the index is updated (IndexingListener).
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  public HostStore(CuratorFramework client, DvsStore dvsStore) {
    this.client = client;
    this.dvsStore = dvsStore;
    this.reads = new ZkReads(client);
    this.cache = CuratorCache.build(client, StoreLayout.HOSTS);
    cache.listenable().addListener(IndexingListener.of(this::remember, this::forget, listeners));
  }

  /**
   * Runs changed after each registration, change or removal this store takes in from now on (on the
   * cache's thread, after the store's own index is updated, so it must not block).
   */
  public void addListener(Runnable changed) {
    listeners.add(changed);
  }

  /** Starts following the registry. */
  public void start() {
    cache.start();
  }

  @Override
  public void close() {
    cache.close();
  }

  /** Registers a host under a new id. ALREADY_EXISTS when the name is taken. */
  public Host register(String name, String endpoint) {
    ModelValidator.validateName(name, "host");
    checkEndpoint(name, endpoint);
    Host host =
        Host.newBuilder()
            .setId(UUID.randomUUID().toString())
            .setName(name)
            .setEndpoint(endpoint)
            .build();
    new ZkTxn()
        .create(StoreLayout.host(host.getId()), host.toByteArray())
        .create(StoreLayout.hostName(name), host.getId().getBytes(StandardCharsets.UTF_8))
        .commit(
            client,
            "registering host '" + name + "'",
            r ->
                r.code() == KeeperException.Code.NODEEXISTS
                    ? SwitchplaneException.alreadyExists(
                        "a host named '%s' is registered already", name)
                    : null);
    byId.put(host.getId(), host);
    idByName.put(name, host.getId());
    LOG.info("registered host {} ({}) at {}", name, host.getId(), endpoint);
    return host;
  }

  /**
   * Registers a host under its original id (rebuilding a lost store from snapshots). Idempotent
   * when exactly that host is registered; ALREADY_EXISTS when its id or name is taken otherwise.
   */
  public Host restore(Host host) {
    ModelValidator.validateName(host.getName(), "host");
    checkEndpoint(host.getName(), host.getEndpoint());
    Optional<Host> existing = readFromZk(host.getId());
    if (existing.isPresent()) {
      if (existing.get().equals(host)) {
        return host;
      }
      throw SwitchplaneException.alreadyExists(
          "host id %s is registered already as '%s' at %s",
          host.getId(), existing.get().getName(), existing.get().getEndpoint());
    }
    new ZkTxn()
        .create(StoreLayout.host(host.getId()), host.toByteArray())
        .create(StoreLayout.hostName(host.getName()), host.getId().getBytes(StandardCharsets.UTF_8))
        .commit(
            client,
            "restoring host '" + host.getName() + "'",
            r ->
                r.code() == KeeperException.Code.NODEEXISTS
                    ? SwitchplaneException.alreadyExists(
                        "a host named '%s' is registered already", host.getName())
                    : null);
    byId.put(host.getId(), host);
    idByName.put(host.getName(), host.getId());
    LOG.info("restored host {} ({}) at {}", host.getName(), host.getId(), host.getEndpoint());
    return host;
  }

  /** Every registered host, sorted by name, read from ZooKeeper. */
  public List<Host> list() {
    List<Host> out = new ArrayList<>();
    reads
        .readChildren(StoreLayout.HOSTS)
        .forEach((id, data) -> out.add(ZkReads.parse(Host.parser(), data, StoreLayout.host(id))));
    out.sort(Comparator.comparing(Host::getName));
    return out;
  }

  /**
   * Unregisters a host and revokes its certificates (its record under /switchplane/pki/hosts goes
   * in the same transaction). FAILED_PRECONDITION while it is a member of a DVS; ABORTED when a DVS
   * changed between the membership check and the delete (the transaction checks every DVS's
   * version, so a host never disappears under a membership added meanwhile).
   */
  public Host remove(String ref) {
    Host host =
        readFromZk(ref)
            .orElseThrow(() -> SwitchplaneException.notFound("host '%s' is not registered", ref));
    List<DvsStore.VersionedDvs> switches = dvsStore.listDvs();
    List<String> memberOf = new ArrayList<>();
    ZkTxn txn = new ZkTxn();
    for (DvsStore.VersionedDvs v : switches) {
      txn.check(StoreLayout.dvs(v.dvs().getId()), v.version());
      for (HostMember m : v.dvs().getMembersList()) {
        if (m.getHostId().equals(host.getId())) {
          memberOf.add(v.dvs().getName());
        }
      }
    }
    if (!memberOf.isEmpty()) {
      throw SwitchplaneException.precondition(
          "host '%s' is a member of DVS %s; remove it from %s first",
          host.getName(), String.join(", ", memberOf), memberOf.size() == 1 ? "it" : "them");
    }
    txn.delete(StoreLayout.host(host.getId()), -1).delete(StoreLayout.hostName(host.getName()), -1);
    // Its certificate record goes in the same transaction: that revokes the host's certificates.
    Optional<ZkReads.Versioned> cert = reads.read(StoreLayout.hostCert(host.getId()));
    cert.ifPresent(c -> txn.delete(StoreLayout.hostCert(host.getId()), c.version()));
    txn.checkSize("removing host '" + host.getName() + "'");
    txn.commit(
        client,
        "removing host '" + host.getName() + "'",
        r ->
            switch (r.code()) {
              case BADVERSION, NONODE ->
                  r.op().path().startsWith(StoreLayout.DVS + "/")
                          || r.op().path().startsWith(StoreLayout.PKI_HOSTS + "/")
                      ? SwitchplaneException.aborted(
                          "a DVS or the host's certificate changed while removing host '%s'; retry",
                          host.getName())
                      : SwitchplaneException.notFound(
                          "host '%s' was removed concurrently", host.getName());
              default -> null;
            });
    byId.remove(host.getId());
    idByName.remove(host.getName(), host.getId());
    LOG.info("removed host {} ({})", host.getName(), host.getId());
    return host;
  }

  /** The registered hosts as cached now (a live view; no ZooKeeper read). */
  public java.util.Collection<Host> cached() {
    return java.util.Collections.unmodifiableCollection(byId.values());
  }

  @Override
  public Optional<Host> host(String hostId) {
    Host cached = byId.get(hostId);
    return cached != null ? Optional.of(cached) : readById(hostId);
  }

  @Override
  public Optional<Host> find(String idOrName) {
    Host cached = byId.get(idOrName);
    if (cached == null) {
      String id = idByName.get(idOrName);
      cached = id == null ? null : byId.get(id);
    }
    return cached != null ? Optional.of(cached) : readFromZk(idOrName);
  }

  /** By id, then by name, straight from ZooKeeper. */
  private Optional<Host> readFromZk(String idOrName) {
    Optional<Host> byIdNow = readById(idOrName);
    if (byIdNow.isPresent()) {
      return byIdNow;
    }
    if (!StoreLayout.isSegment(idOrName)) {
      return Optional.empty();
    }
    return reads
        .read(StoreLayout.hostName(idOrName))
        .flatMap(v -> readById(new String(v.data(), StandardCharsets.UTF_8)));
  }

  private Optional<Host> readById(String id) {
    if (!StoreLayout.isSegment(id)) {
      return Optional.empty();
    }
    String path = StoreLayout.host(id);
    Optional<Host> host = reads.read(path).map(v -> ZkReads.parse(Host.parser(), v.data(), path));
    host.ifPresent(
        h -> {
          byId.put(h.getId(), h);
          idByName.put(h.getName(), h.getId());
        });
    return host;
  }

  /** An agent endpoint is host:port with a port of 1-65535 (IPv6 literals in brackets). */
  static void checkEndpoint(String name, String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    int port = -1;
    if (colon > 0 && colon < endpoint.length() - 1) {
      try {
        port = Integer.parseInt(endpoint.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (port < 1 || port > 65535) {
      throw SwitchplaneException.invalid(
          "host '%s': agent endpoint '%s' is not host:port with a port of 1-65535", name, endpoint);
    }
  }

  private void remember(ChildData node) {
    if (!isHostNode(node) || node.getData() == null) {
      return;
    }
    try {
      Host h = Host.parseFrom(node.getData());
      byId.put(h.getId(), h);
      idByName.put(h.getName(), h.getId());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      LOG.warn("ignoring corrupt host record at {}: {}", node.getPath(), e.getMessage());
    }
  }

  private void forget(ChildData node) {
    if (!isHostNode(node)) {
      return;
    }
    Host h = byId.remove(node.getPath().substring(StoreLayout.HOSTS.length() + 1));
    if (h != null) {
      idByName.remove(h.getName(), h.getId());
    }
  }

  private static boolean isHostNode(ChildData node) {
    return node.getPath().startsWith(StoreLayout.HOSTS + "/");
  }
}
