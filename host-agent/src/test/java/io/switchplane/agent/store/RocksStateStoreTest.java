package io.switchplane.agent.store;

import static io.switchplane.agent.AgentFixtures.DVS_ID;
import static io.switchplane.agent.AgentFixtures.standard;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksStateStoreTest {
  @TempDir Path dir;

  private static void commit(StateStore store, HostSwitchState state) {
    long generation = state.getDvs().getGeneration();
    store.commit(
        state,
        ApplyResponse.newBuilder().setAppliedGeneration(generation).build(),
        HistoryEntry.newBuilder().setGeneration(generation).build(),
        null);
  }

  @Test
  void agentsSharingOneDatabaseSeeOnlyTheirOwnKeys() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      RocksStateStore one = new RocksStateStore(db, "agent-1/");
      RocksStateStore two = new RocksStateStore(db, "agent-10/");
      commit(one, standard(1, 10, 20));
      commit(two, standard(4, 10, 20));
      commit(two, standard(5, 10, 20));

      assertThat(one.loadAll())
          .extracting(s -> s.response().getAppliedGeneration())
          .containsExactly(1L);
      assertThat(two.loadAll())
          .singleElement()
          .satisfies(s -> assertThat(s.state()).isEqualTo(standard(5, 10, 20)));
      assertThat(one.history(DVS_ID)).extracting(HistoryEntry::getGeneration).containsExactly(1L);
      assertThat(two.history(DVS_ID))
          .extracting(HistoryEntry::getGeneration)
          .containsExactly(5L, 4L);
      assertThat(new RocksStateStore(db, "agent-2/").loadAll()).isEmpty();
    }
  }

  @Test
  void historyIsTrimmedAcrossStoresOpenedOverTheSameKeys() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      RocksStateStore first = new RocksStateStore(db, "agent-1/");
      for (int g = 1; g <= 30; g++) {
        commit(first, standard(g, 10, 20));
      }
      // A second store (as after a restart) learns the 30 kept generations from the database.
      RocksStateStore second = new RocksStateStore(db, "agent-1/");
      for (int g = 31; g <= 60; g++) {
        commit(second, standard(g, 10, 20));
      }

      assertThat(second.history(DVS_ID))
          .extracting(HistoryEntry::getGeneration)
          .hasSize(StateStore.HISTORY_LIMIT)
          .startsWith(60L, 59L)
          .endsWith(11L);
      assertThat(second.historicState(DVS_ID, 10)).isEmpty();
      assertThat(second.historicState(DVS_ID, 11)).contains(standard(11, 10, 20));
      assertThat(second.loadAll())
          .singleElement()
          .satisfies(s -> assertThat(s.state()).isEqualTo(standard(60, 10, 20)));
    }
  }

  @Test
  void aDvsWhoseIdExtendsAnotherOneKeepsItsOwnHistory() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      RocksStateStore store = new RocksStateStore(db, "");
      HostSwitchState nested =
          standard(9, 10, 20).toBuilder()
              .setDvs(standard(9, 10, 20).getDvs().toBuilder().setId(DVS_ID + "/x"))
              .build();
      commit(store, standard(1, 10, 20));
      commit(store, nested);

      assertThat(store.history(DVS_ID)).extracting(HistoryEntry::getGeneration).containsExactly(1L);
      assertThat(store.history(DVS_ID + "/x"))
          .extracting(HistoryEntry::getGeneration)
          .containsExactly(9L);
    }
  }
}
