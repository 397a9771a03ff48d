package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.ovsdb.OvsPort;
import io.switchplane.agent.backend.ovsdb.OvsdbClient;
import io.switchplane.agent.backend.ovsdb.OvsdbTransaction;
import io.switchplane.agent.backend.ovsdb.OvsdbTransaction.Ref;
import io.switchplane.it.net.OvsInstance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our OVSDB client (RFC 7047) against a real ovsdb-server and ovs-vswitchd of the test's own: a
 * transaction with one bad operation changes nothing; after a transaction returns, the cache
 * already shows it; a change made by hand with ovs-vsctl reaches the cache through the monitor;
 * after ovsdb-server restarts, the client reconnects and monitors afresh.
 */
class OvsdbClientIT {
  @TempDir Path dir;
  private OvsInstance ovs;
  private OvsdbClient client;

  @BeforeEach
  void setUp() {
    ovs = OvsInstance.start(dir.resolve("ovs"), "sp-ovsdb-" + ProcessHandle.current().pid());
    ovs.vsctl(
        "add-br",
        "brt",
        "--",
        "set",
        "bridge",
        "brt",
        "datapath_type=netdev",
        "--",
        "add-port",
        "brt",
        "p1",
        "tag=10",
        "--",
        "set",
        "interface",
        "p1",
        "type=internal");
    client = new OvsdbClient(ovs.db(), Duration.ofSeconds(10));
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    if (ovs != null) {
      ovs.close();
    }
  }

  private OvsPort p1() {
    return client.port("p1").orElseThrow();
  }

  private static JsonObject column(String name, int value) {
    JsonObject row = new JsonObject();
    row.addProperty(name, value);
    return row;
  }

  /** Three good operations (p1's tag, a new port p2 on the bridge) and, last, the given one. */
  private OvsdbTransaction tagAndNewPort(int tag) {
    OvsdbTransaction tx = new OvsdbTransaction();
    tx.update("Port", OvsdbTransaction.existing(p1().uuid()), column("tag", tag));
    JsonObject iface = new JsonObject();
    iface.addProperty("name", "p2");
    iface.addProperty("type", "internal");
    JsonObject port = new JsonObject();
    port.addProperty("name", "p2");
    port.add("interfaces", OvsdbTransaction.refs(List.of(tx.insert("Interface", iface))));
    Ref p2 = tx.insert("Port", port);
    tx.addToSet(
        "Bridge",
        OvsdbTransaction.existing(client.bridgeUuid("brt").orElseThrow()),
        "ports",
        List.of(p2));
    return tx;
  }

  @Test
  void aTransactionWithOneBadOperationChangesNothing() {
    OvsdbTransaction tx = tagAndNewPort(20);
    // mtu_request must be at least 1: the server refuses this operation, and with it the others.
    tx.update(
        "Interface", OvsdbTransaction.existing(p1().interfaceUuid()), column("mtu_request", -1));

    assertThatThrownBy(() -> client.transact(tx, "a test"))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("operation 5 of 5")
        .hasMessageContaining("constraint violation")
        .hasMessageContaining("OVSDB applied none of it");
    assertThat(ovs.vsctl("get", "port", "p1", "tag").strip()).isEqualTo("10");
    assertThat(ovs.vsctl("list-ports", "brt")).doesNotContain("p2");
    assertThat(p1().tag()).isEqualTo(10);
    assertThat(client.port("p2")).isEmpty();
  }

  @Test
  void onceATransactionReturnsTheCacheShowsItAndOvsVswitchdAppliedIt() throws Exception {
    client.transact(tagAndNewPort(20), "a test");

    // No waiting: the transaction's own updates came in before vswitchd's cur_cfg did.
    assertThat(p1().tag()).isEqualTo(20);
    assertThat(client.port("p2")).isPresent();
    assertThat(ovs.vsctl("get", "port", "p1", "tag").strip()).isEqualTo("20");
    // ovs-vswitchd made the device of the new internal port before transact returned.
    assertThat(OvsInstance.run("ip", "netns", "exec", ovs.namespace(), "ip", "link", "show", "p2"))
        .contains("p2");
  }

  @Test
  void aChangeMadeByHandReachesTheCache() {
    assertThat(p1().tag()).isEqualTo(10);
    ovs.vsctl("set", "port", "p1", "tag=30", "trunks=[]");
    await().atMost(Duration.ofSeconds(5)).until(() -> p1().tag() == 30);
    ovs.vsctl("set", "interface", "p1", "mtu_request=9000");
    await().atMost(Duration.ofSeconds(5)).until(() -> p1().mtuRequest() == 9000);
    ovs.vsctl("del-port", "brt", "p1");
    await().atMost(Duration.ofSeconds(5)).until(() -> client.port("p1").isEmpty());
  }

  @Test
  void afterOvsdbServerRestartsTheClientReconnectsAndMonitorsAfresh() throws Exception {
    assertThat(p1().tag()).isEqualTo(10);
    ovs.restartOvsdbServer();
    ovs.vsctl("set", "port", "p1", "tag=40"); // made while our session was gone

    // The next read opens a new session; its monitor's initial rows show the change.
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> p1().tag() == 40);
    client.transact(tagAndNewPort(50), "a test after the restart");
    assertThat(ovs.vsctl("get", "port", "p1", "tag").strip()).isEqualTo("50");
    assertThat(p1().tag()).isEqualTo(50);
  }
}
