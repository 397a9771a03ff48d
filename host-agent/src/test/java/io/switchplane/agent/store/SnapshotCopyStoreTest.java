package io.switchplane.agent.store;

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
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's snapshot copies in a real RocksDB. */
class SnapshotCopyStoreTest {
  @TempDir Path dir;

  @Test
  void copiesAreKeptNewestFirstTrimmedToTheLimitAndSurviveAReopen() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      SnapshotCopyStore store = new SnapshotCopyStore(db, "a/");
      for (int g = 1; g <= 5; g++) {
        store.put(snapshot("s" + g, "dvs-1", g), 3);
      }
      store.put(snapshot("s5", "dvs-1", 5), 3); // again: nothing changes
      store.put(snapshot("other", "dvs-2", 9), 3);
      assertThat(store.list("dvs-1"))
          .extracting(SnapshotInfo::getId)
          .containsExactly("s5", "s4", "s3");
      assertThat(new SnapshotCopyStore(db, "b/").list(""))
          .as("another agent's key space")
          .isEmpty();
    }
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      SnapshotCopyStore store = new SnapshotCopyStore(db, "a/");
      assertThat(store.list(""))
          .extracting(SnapshotInfo::getId)
          .containsExactly("other", "s5", "s4", "s3");
      assertThat(store.get("s4")).hasValue(snapshot("s4", "dvs-1", 4));
      assertThat(store.get("s1")).isEmpty();
    }
  }

  @Test
  void aDamagedCopyIsRefusedAndNothingIsStored() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      SnapshotCopyStore store = new SnapshotCopyStore(db, "");
      DvsSnapshot good = snapshot("s1", "dvs-1", 1);
      DvsSnapshot bad =
          good.toBuilder().setInfo(good.getInfo().toBuilder().setChecksum("sha256:00")).build();
      assertThatThrownBy(() -> store.put(bad, 0))
          .isInstanceOfSatisfying(
              SwitchplaneException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
      assertThat(store.list("")).isEmpty();
    }
  }

  private static DvsSnapshot snapshot(String id, String dvsId, long generation) {
    SnapshotContent content =
        SnapshotContent.newBuilder()
            .setDvs(Dvs.newBuilder().setId(dvsId).setName("sw").setGeneration(generation))
            .addPorts(Port.newBuilder().setKey("p1").setDvsId(dvsId))
            .build();
    return SnapshotCodec.seal(
        SnapshotInfo.newBuilder()
            .setId(id)
            .setName(id)
            .setDvsId(dvsId)
            .setGeneration(generation)
            .setTakenUnixMs(1_000 + generation)
            .build(),
        content);
  }
}
