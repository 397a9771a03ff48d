package io.switchplane.vcenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The sync's life cycle and retries, against a loopback port where no vCenter listens. */
class InventorySyncTest {
  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void unreachableVcenterIsRetriedWithDoublingBackoffAndNeverThrows() throws Exception {
    VcenterEndpoint endpoint =
        new VcenterEndpoint(
            new URL("http://127.0.0.1:" + closedPort() + "/sdk"),
            "u",
            "secret-password",
            false,
            null);
    InventorySync sync =
        new InventorySync(
            "test",
            endpoint,
            inv -> {},
            SyncOptions.defaults().withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
    // The constructor does no I/O: nothing tried yet.
    assertThat(sync.status().state()).isEqualTo(SyncStatus.State.CONNECTING);
    assertThat(sync.status().failures()).isZero();
    sync.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.status().failures() >= 4);
    SyncStatus s = sync.status();
    assertThat(s.state()).isIn(SyncStatus.State.RETRYING, SyncStatus.State.CONNECTING);
    assertThat(s.message())
        .contains("unreachable")
        .contains("ConnectException")
        .doesNotContain("secret-password");
    // Capped at 200 ms.
    assertThat(s.nextRetry()).isBefore(Instant.now().plusMillis(250));
    assertThat(sync.inventory()).isEqualTo(Inventory.EMPTY);
    assertThatThrownBy(sync::start).isInstanceOf(IllegalStateException.class);
    sync.close();
    assertThat(sync.status().state()).isEqualTo(SyncStatus.State.STOPPED);
    sync.close();
  }

  @Test
  void closeBeforeStart() throws Exception {
    InventorySync sync =
        new InventorySync(
            "test",
            new VcenterEndpoint(new URL("http://127.0.0.1:1/sdk"), "u", "p", false, null),
            inv -> {});
    sync.close();
    assertThat(sync.status().state()).isEqualTo(SyncStatus.State.STOPPED);
    assertThatThrownBy(sync::start).isInstanceOf(IllegalStateException.class);
  }
}
