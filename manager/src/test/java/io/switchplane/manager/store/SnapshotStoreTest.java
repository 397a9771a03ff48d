package io.switchplane.manager.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.SnapshotContent;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.snapshot.SnapshotCodec;
import java.util.Random;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Snapshots larger than a znode, and what a crash half-way through writing one leaves, against a
 * real ZooKeeper.
 */
class SnapshotStoreTest {
  private TestingServer zk;
  private CuratorFramework client;
  private SnapshotStore store;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer(true);
    client = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
    client.start();
    new DvsStore(client).ensureLayout();
    store = new SnapshotStore(client);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    zk.close();
  }

  @Test
  void aSnapshotOfManyMegabytesGoesInChunksAndComesBackBitForBit() throws Exception {
    DvsSnapshot big = snapshot("s1", 40_000);
    assertThat(big.getContent().size()).isGreaterThan(2 * 1024 * 1024);
    store.put(big);
    assertThat(client.getChildren().forPath(StoreLayout.snapshotData("s1")).size())
        .isGreaterThan(2);
    SnapshotInfo listed = store.list("dvs-1").get(0);
    DvsSnapshot back = store.read(listed);
    assertThat(back).isEqualTo(big);
    SnapshotCodec.open(back);
    assertThat(store.listAll()).extracting(SnapshotInfo::getId).containsExactly("s1");
  }

  @Test
  void chunksWithoutTheirInfoAreNotASnapshotAndAreSweptAway() throws Exception {
    // What a crash after the chunks and before the info znode leaves behind.
    client
        .create()
        .creatingParentsIfNeeded()
        .forPath(StoreLayout.snapshotChunk("half", 0), new byte[] {1, 2, 3});
    store.put(snapshot("whole", 10));
    assertThat(store.listAll()).extracting(SnapshotInfo::getId).containsExactly("whole");

    assertThat(store.sweepOrphans()).isEqualTo(1);
    assertThat(client.checkExists().forPath(StoreLayout.snapshotData("half"))).isNull();
    assertThat(store.read(store.list("dvs-1").get(0)).getContent())
        .isEqualTo(snapshot("whole", 10).getContent());
  }

  @Test
  void deletingRemovesTheInfoAndTheChunks() throws Exception {
    store.put(snapshot("gone", 10));
    store.delete(store.list("dvs-1").get(0));
    assertThat(store.list("dvs-1")).isEmpty();
    assertThat(client.checkExists().forPath(StoreLayout.snapshotData("gone"))).isNull();
  }

  @Test
  void aSecondSnapshotWithANameTakenInItsDvsIsRefusedAndLeavesNothing() throws Exception {
    store.put(named("first", "checkpoint-23"));
    assertThatThrownBy(() -> store.put(named("second", "checkpoint-23")))
        .isInstanceOfSatisfying(
            SwitchplaneException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS);
              assertThat(e.getMessage()).contains("has a snapshot named 'checkpoint-23' already");
            });
    assertThat(store.list("dvs-1")).extracting(SnapshotInfo::getId).containsExactly("first");
    assertThat(client.checkExists().forPath(StoreLayout.snapshotData("second")))
        .as("its chunks are gone")
        .isNull();
    assertThat(store.read(store.list("dvs-1").get(0)).getContent())
        .as("the first is intact")
        .isEqualTo(named("first", "checkpoint-23").getContent());
    assertThat(store.freeName("dvs-1", "checkpoint-23")).isEqualTo("checkpoint-23-2");
    assertThat(store.freeName("dvs-1", "checkpoint-24")).isEqualTo("checkpoint-24");

    store.delete(store.list("dvs-1").get(0));
    store.put(named("third", "checkpoint-23"));
    assertThat(store.list("dvs-1"))
        .as("a deleted snapshot's name is free again")
        .extracting(SnapshotInfo::getId)
        .containsExactly("third");
  }

  private static DvsSnapshot named(String id, String name) {
    DvsSnapshot s = snapshot(id, 1);
    return SnapshotCodec.seal(
        s.getInfo().toBuilder().setName(name).clearChecksum().build(), SnapshotCodec.open(s));
  }

  private static DvsSnapshot snapshot(String id, int ports) {
    Random random = new Random(42);
    SnapshotContent.Builder content =
        SnapshotContent.newBuilder()
            .setDvs(Dvs.newBuilder().setId("dvs-1").setName("sw").setGeneration(7));
    for (int i = 0; i < ports; i++) {
      // Random descriptions, so that deflate cannot squeeze it under one chunk.
      content.addPorts(
          Port.newBuilder()
              .setKey("p" + i)
              .setPortGroupId("pg")
              .setDescription(
                  Long.toHexString(random.nextLong())
                      + Long.toHexString(random.nextLong())
                      + Long.toHexString(random.nextLong())));
    }
    return SnapshotCodec.seal(
        SnapshotInfo.newBuilder()
            .setId(id)
            .setName(id)
            .setDvsId("dvs-1")
            .setDvsName("sw")
            .setGeneration(7)
            .setTakenUnixMs(1)
            .build(),
        content.build());
  }
}
