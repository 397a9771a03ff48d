package io.switchplane.manager.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ChangeRecord;
import io.switchplane.manager.ZooKeeperStore;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The change log's pruning, against a real ZooKeeper. */
class ChangeLogStoreTest {
  @RegisterExtension static final ZooKeeperStore zk = new ZooKeeperStore();

  private ChangeLogStore log;

  @BeforeEach
  void start() {
    log = new ChangeLogStore(zk.client());
  }

  private static ChangeRecord record(long generation) {
    return ChangeRecord.newBuilder().setDvsId("dvs-1").setGeneration(generation).build();
  }

  /** Records of generations 1..last, written 250 to a transaction. */
  private void write(long last) {
    for (long from = 1; from <= last; from += 250) {
      ZkTxn txn = new ZkTxn();
      for (long g = from; g < from + 250 && g <= last; g++) {
        log.create(txn, record(g));
      }
      txn.commit(zk.client(), "writing records", r -> null);
    }
  }

  private List<String> stored() throws Exception {
    return zk.client().getChildren().forPath(StoreLayout.log("dvs-1")).stream().sorted().toList();
  }

  @Test
  void everyHundredthGenerationRemovesTheOldestBeyondTheKeptThousand() throws Exception {
    write(1_200);
    log.pruneAfter(record(1_199)); // not a hundredth: nothing goes
    assertThat(stored()).hasSize(1_200);

    log.pruneAfter(record(1_200));
    List<String> kept = stored();
    assertThat(kept).hasSize(ChangeLogStore.KEEP);
    assertThat(kept.get(0)).isEqualTo(String.format("%020d", 201));
    assertThat(kept.get(kept.size() - 1)).isEqualTo(String.format("%020d", 1_200));
    assertThat(log.get("dvs-1", 200)).isEmpty();
    assertThat(log.get("dvs-1", 201)).isPresent();
  }

  @Test
  void aLogWithinTheKeptThousandIsLeftWhole() throws Exception {
    write(900);
    log.pruneAfter(record(900));
    assertThat(stored()).hasSize(900);
  }
}
