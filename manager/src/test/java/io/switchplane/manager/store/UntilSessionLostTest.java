package io.switchplane.manager.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;

/** A real (in-process) ZooKeeper stopped under a client. */
class UntilSessionLostTest {
  @Test
  void failsAtOnceOnceTheSessionIsLostAndRetriesAgainOnceReconnected() throws Exception {
    try (TestingServer zk = new TestingServer(true)) {
      // 20 retries 500 ms apart, each try waiting up to 500 ms for the connection: 20 s.
      UntilSessionLost retry = new UntilSessionLost(new RetryNTimes(20, 500));
      Set<ConnectionState> seen = ConcurrentHashMap.newKeySet();
      try (CuratorFramework client =
          CuratorFrameworkFactory.newClient(zk.getConnectString(), 1_000, 500, retry)) {
        client.getConnectionStateListenable().addListener(retry.listener());
        client.getConnectionStateListenable().addListener((c, s) -> seen.add(s));
        client.start();
        client.create().forPath("/a", new byte[] {1});
        assertThat(retry.allowRetry(0, 0, (t, u) -> {})).isTrue();

        zk.stop();
        await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains(ConnectionState.LOST));
        long started = System.nanoTime();
        Throwable failed = catchThrowable(() -> client.getData().forPath("/a"));
        assertThat(failed).isInstanceOf(KeeperException.ConnectionLossException.class);
        // One try (the connection timeout), not the 20 retries.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));

        assertThat(retry.allowRetry(0, 0, (t, u) -> {})).isFalse();

        // Back (a new session): retries as the given policy says again.
        zk.restart();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> seen.contains(ConnectionState.RECONNECTED));
        assertThat(retry.allowRetry(0, 0, (t, u) -> {})).isTrue();
        assertThat(client.getData().forPath("/a")).containsExactly(1);
      }
    }
  }
}
