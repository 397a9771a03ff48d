package io.switchplane.manager.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchplane.api.v1.Host;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A listener of the host registry reads the store's index with the change already in it, as the
 * agent trust does when it works out how to dial each endpoint (it dialed a just-enrolled agent in
 * plaintext when it ran first).
 */
class HostStoreListenerTest {
  private TestingServer zk;
  private CuratorFramework client;
  private final List<HostStore> stores = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer(true);
    client = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
    client.start();
    new DvsStore(client).ensureLayout();
  }

  @AfterEach
  void stop() throws Exception {
    stores.forEach(HostStore::close);
    client.close();
    zk.close();
  }

  @Test
  void everyListenerCallSeesTheChangeItIsCalledFor() {
    HostStore watching = store();
    List<Set<String>> seen = new CopyOnWriteArrayList<>();
    // Several listeners: Curator calls its own in hash order, so one alone might run last by luck.
    for (int i = 0; i < 4; i++) {
      watching.addListener(() -> seen.add(names(watching)));
    }
    watching.start();
    HostStore registering = store();

    List<String> registered = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      String name = "esx-" + i;
      Host h = registering.register(name, "127.0.0.1:" + (7400 + i));
      registered.add(name);
      await().atMost(Duration.ofSeconds(10)).until(() -> names(watching).contains(name));
      int calls = 4 * (i + 1); // and four for the registry's own node, taken in at start
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= calls);
      assertThat(seen.subList(seen.size() - 4, seen.size()))
          .as("the four calls for %s", h.getName())
          .allSatisfy(s -> assertThat(s).containsExactlyInAnyOrderElementsOf(registered));
    }
    registering.remove("esx-3");
    registered.remove("esx-3");
    await().atMost(Duration.ofSeconds(10)).until(() -> !names(watching).contains("esx-3"));
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 4 * 10);
    assertThat(seen.subList(seen.size() - 4, seen.size()))
        .allSatisfy(s -> assertThat(s).containsExactlyInAnyOrderElementsOf(registered));
  }

  private HostStore store() {
    HostStore s = new HostStore(client, new DvsStore(client));
    stores.add(s);
    return s;
  }

  private static Set<String> names(HostStore store) {
    return store.cached().stream()
        .map(Host::getName)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
