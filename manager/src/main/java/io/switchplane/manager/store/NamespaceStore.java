package io.switchplane.manager.store;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.PropertyNamespace;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.properties.BuiltInNamespaces;
import io.switchplane.common.properties.PropertyRules;
import io.switchplane.manager.changeset.NamespaceLookup;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registered property namespaces: /switchplane/namespaces/&lt;name&gt; (PropertyNamespace). Names
 * are never unregistered, so a name found once stays valid and lookups (one per property op) are
 * served from a local copy, falling back to ZooKeeper on a miss.
 */
public final class NamespaceStore implements NamespaceLookup {
  private static final Logger LOG = LoggerFactory.getLogger(NamespaceStore.class);

  private final CuratorFramework client;
  private final ZkReads reads;
  private final Clock clock;
  private final Map<String, PropertyNamespace> known = new ConcurrentHashMap<>();

  public NamespaceStore(CuratorFramework client, Clock clock) {
    this.client = client;
    this.reads = new ZkReads(client);
    this.clock = clock;
  }

  /** Creates the parent znode and Switchplane's own namespaces if missing. Idempotent. */
  public void ensureLayout() {
    try {
      client.create().creatingParentsIfNeeded().forPath(StoreLayout.NAMESPACES);
    } catch (KeeperException.NodeExistsException e) {
      LOG.trace("{} exists already", StoreLayout.NAMESPACES);
    } catch (Exception e) {
      throw ZkErrors.translate(e, "creating " + StoreLayout.NAMESPACES);
    }
    for (PropertyNamespace ns : BuiltInNamespaces.ALL) {
      if (!registered(ns.getName())) {
        try {
          store(ns.toBuilder().setRegisteredUnixMs(clock.millis()).build());
        } catch (SwitchplaneException e) {
          LOG.debug(
              "built-in namespace {} registered concurrently: {}", ns.getName(), e.getMessage());
        }
      }
    }
  }

  /**
   * Registers a namespace an application asked for. INVALID_ARGUMENT for a bad name, owner or
   * description, PERMISSION_DENIED for the reserved prefix, ALREADY_EXISTS when registered.
   */
  public PropertyNamespace register(
      String name, String owner, String description, String registeredBy) {
    PropertyRules.validateNamespaceName(name);
    if (PropertyRules.reserved(name)) {
      throw SwitchplaneException.denied(
          "namespace '%s' is under the prefix '%s', reserved for Switchplane's own "
              + "modules; use a reverse-DNS name of your own organisation, e.g. com.example.qos",
          name, PropertyRules.RESERVED_PREFIX);
    }
    if (owner.isBlank()) {
      throw invalid("namespace '%s': owner is required (who to ask about it)", name);
    }
    if (owner.length() > PropertyRules.MAX_OWNER_LENGTH) {
      throw invalid(
          "owner has %d characters, the limit is %d",
          owner.length(), PropertyRules.MAX_OWNER_LENGTH);
    }
    if (description.length() > PropertyRules.MAX_DESCRIPTION_LENGTH) {
      throw invalid(
          "description has %d characters, the limit is %d",
          description.length(), PropertyRules.MAX_DESCRIPTION_LENGTH);
    }
    PropertyNamespace ns =
        PropertyNamespace.newBuilder()
            .setName(name)
            .setOwner(owner)
            .setDescription(description)
            .setRegisteredUnixMs(clock.millis())
            .setRegisteredBy(registeredBy)
            .build();
    store(ns);
    LOG.info("registered property namespace {} (owner {})", name, owner);
    return ns;
  }

  private void store(PropertyNamespace ns) {
    new ZkTxn()
        .create(StoreLayout.namespace(ns.getName()), ns.toByteArray())
        .commit(
            client,
            "registering namespace '" + ns.getName() + "'",
            r ->
                r.code() == KeeperException.Code.NODEEXISTS
                    ? SwitchplaneException.alreadyExists(
                        "namespace '%s' is registered already", ns.getName())
                    : null);
    known.put(ns.getName(), ns);
  }

  /** Every registered namespace, sorted by name. */
  public List<PropertyNamespace> list() {
    List<PropertyNamespace> out = new ArrayList<>();
    reads
        .readChildren(StoreLayout.NAMESPACES)
        .forEach(
            (name, data) ->
                out.add(
                    ZkReads.parse(PropertyNamespace.parser(), data, StoreLayout.namespace(name))));
    out.forEach(ns -> known.put(ns.getName(), ns));
    out.sort(Comparator.comparing(PropertyNamespace::getName));
    return out;
  }

  /** A registered namespace, if it is one. */
  public Optional<PropertyNamespace> find(String name) {
    return registered(name) ? Optional.ofNullable(known.get(name)) : Optional.empty();
  }

  @Override
  public boolean registered(String name) {
    if (known.containsKey(name)) {
      return true;
    }
    if (!StoreLayout.isSegment(name)) {
      return false;
    }
    String path = StoreLayout.namespace(name);
    return reads
        .read(path)
        .map(
            v -> {
              known.put(name, ZkReads.parse(PropertyNamespace.parser(), v.data(), path));
              return true;
            })
        .orElse(false);
  }
}
