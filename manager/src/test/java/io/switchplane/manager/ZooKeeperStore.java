package io.switchplane.manager;

import io.switchplane.manager.store.DvsStore;
import io.switchplane.manager.store.HostStore;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The store side of the manager against a real ZooKeeper (Curator's TestingServer, one per test
 * class), in a namespace of its own per test: a connected client, the DVS store with its layout and
 * a started host store. Register it as a static field with {@code @RegisterExtension}; the
 * accessors are valid inside a test and its {@code @BeforeEach}, which run after this one's.
 */
public final class ZooKeeperStore
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private TestingServer zk;
  private CuratorFramework client;
  private DvsStore store;
  private HostStore hosts;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    zk = new TestingServer(true);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    client = ManagerFixtures.connect(zk);
    store = new DvsStore(client);
    store.ensureLayout();
    hosts = new HostStore(client, store);
    hosts.start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    hosts.close();
    client.close();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    zk.close();
  }

  public CuratorFramework client() {
    return client;
  }

  public DvsStore store() {
    return store;
  }

  public HostStore hosts() {
    return hosts;
  }
}
