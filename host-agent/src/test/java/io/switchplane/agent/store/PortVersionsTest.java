package io.switchplane.agent.store;

import static io.switchplane.agent.AgentFixtures.DVS_ID;
import static io.switchplane.agent.AgentFixtures.PG_A;
import static io.switchplane.agent.AgentFixtures.port;
import static io.switchplane.agent.AgentFixtures.portGroup;
import static io.switchplane.agent.AgentFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.common.diff.PortChanges;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/** The per-port layout of {@link RocksStateStore} on a real RocksDB. */
class PortVersionsTest {
  @TempDir Path dir;

  private static void commit(StateStore store, HostSwitchState state) {
    long generation = state.getDvs().getGeneration();
    store.commit(
        state,
        ApplyResponse.newBuilder().setAppliedGeneration(generation).build(),
        HistoryEntry.newBuilder().setGeneration(generation).build(),
        null);
  }

  /** A state of generation with these ports (key -> description), in key order. */
  private static HostSwitchState withPorts(long generation, Map<String, String> ports) {
    HostSwitchState.Builder b = state(generation).addPortGroups(portGroup(PG_A, 10));
    // in key order, as the manager sends ports and the store reads them back (Map.of has none)
    new TreeMap<>(ports)
        .forEach(
            (key, description) ->
                b.addPorts(port(key, PG_A).toBuilder().setDescription(description)));
    return b.build();
  }

  /** Keys under the kind of the store's layout ("q/", "w/", "v/"). */
  private static List<String> keys(RocksDatabase db, String kind) {
    List<String> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        String key = new String(it.key(), StandardCharsets.UTF_8);
        if (key.startsWith(kind)) {
          out.add(key);
        }
      }
    }
    return out;
  }

  private static Map<String, String> ports(int n) {
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      out.put(String.format("p%04d", i), "");
    }
    return out;
  }

  @Test
  void anApplyWritesTheChangedPortAndAHeaderNotTheWholeSwitch() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      RocksStateStore store = new RocksStateStore(db, "");
      Map<String, String> ports = ports(200);
      commit(store, withPorts(1, ports));
      assertThat(keys(db, "q/")).hasSize(200);

      ports.put("p0007", "changed");
      commit(store, withPorts(2, ports));

      assertThat(keys(db, "q/")).hasSize(201);
      assertThat(keys(db, "w/")).hasSize(2);
      assertThat(keys(db, "v/")).isEmpty();
      assertThat(store.historicState(DVS_ID, 1)).contains(withPorts(1, ports(200)));
      assertThat(store.historicState(DVS_ID, 2)).contains(withPorts(2, ports));
    }
  }

  /** A changed port, a removed port and an added one (a key removed earlier comes back). */
  private static void change(Map<String, String> ports, long g) {
    ports.put(String.format("p%04d", g % 20), "g" + g);
    ports.remove(String.format("p%04d", (g + 7) % 25));
    ports.put(String.format("p%04d", (g + 3) % 25), "back at " + g);
  }

  /** As the apply commits: told what changed since base. */
  private static void commit(StateStore store, HostSwitchState base, HostSwitchState state) {
    long generation = state.getDvs().getGeneration();
    store.commit(
        state,
        base,
        PortChanges.between(base, state),
        ApplyResponse.newBuilder().setAppliedGeneration(generation).build(),
        HistoryEntry.newBuilder().setGeneration(generation).build(),
        null);
  }

  @Test
  void writesToldWhatChangedStoreWhatComparingWouldAndAStaleBaseIsCompared() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      RocksStateStore store = new RocksStateStore(db, "");
      Map<Long, HostSwitchState> written = new TreeMap<>();
      Map<String, String> ports = ports(20);
      HostSwitchState base = null;
      for (long g = 1; g <= 2 * StateStore.HISTORY_LIMIT; g++) {
        change(ports, g);
        HostSwitchState s = withPorts(g, ports);
        // Every fifth write names a base the store did not write last: it compares instead.
        commit(store, g % 5 == 0 ? withPorts(g - 1, ports(3)) : base, s);
        written.put(g, s);
        base = s;
      }
      for (long g = StateStore.HISTORY_LIMIT + 1; g <= 2 * StateStore.HISTORY_LIMIT; g++) {
        assertThat(store.historicState(DVS_ID, g)).as("generation %d", g).contains(written.get(g));
      }
      assertThat(keys(db, "q/").size())
          .isLessThanOrEqualTo(25 + 3 * (StateStore.HISTORY_LIMIT + 1));
    }
  }

  @Test
  void everyKeptGenerationReadsBackExactlyAndOldVersionsAreDropped() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      RocksStateStore store = new RocksStateStore(db, "");
      Map<Long, HostSwitchState> written = new TreeMap<>();
      Map<String, String> ports = ports(20);
      int total = 3 * StateStore.HISTORY_LIMIT;
      for (long g = 1; g <= total; g++) {
        change(ports, g);
        HostSwitchState s = withPorts(g, ports);
        written.put(g, s);
        commit(store, s);
      }
      for (long g = total - StateStore.HISTORY_LIMIT + 1; g <= total; g++) {
        assertThat(store.historicState(DVS_ID, g)).as("generation %d", g).contains(written.get(g));
      }
      assertThat(store.historicState(DVS_ID, total - StateStore.HISTORY_LIMIT)).isEmpty();
      // A new store over the same keys (a restart) reads the same and goes on.
      RocksStateStore again = new RocksStateStore(db, "");
      assertThat(again.loadAll())
          .singleElement()
          .satisfies(s -> assertThat(s.state()).isEqualTo(written.get((long) total)));
      ports.put("p0001", "after restart");
      commit(again, withPorts(total + 1, ports));
      assertThat(again.historicState(DVS_ID, total)).contains(written.get((long) total));
      assertThat(again.historicState(DVS_ID, total + 1)).contains(withPorts(total + 1, ports));
      // Versions no kept state reads are gone: at most the ports, and three per kept generation.
      assertThat(keys(db, "q/").size())
          .isLessThanOrEqualTo(25 + 3 * (StateStore.HISTORY_LIMIT + 1));
    }
  }

  @Test
  void aRollbackMakesTheRestoredStateCurrentAndKeepsTheUndoneOne() {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      RocksStateStore store = new RocksStateStore(db, "");
      HostSwitchState one = withPorts(1, Map.of("a", "one", "b", "one"));
      HostSwitchState two = withPorts(2, Map.of("a", "two", "c", "two"));
      commit(store, one);
      commit(store, two);

      store.rollback(
          DVS_ID,
          one,
          ApplyResponse.newBuilder().setAppliedGeneration(1).build(),
          HistoryEntry.newBuilder().setGeneration(2).build(),
          RollbackEvent.newBuilder().setGeneration(2).setRestoredGeneration(1).build());

      assertThat(store.loadAll())
          .singleElement()
          .satisfies(s -> assertThat(s.state()).isEqualTo(one));
      assertThat(store.historicState(DVS_ID, 2)).contains(two);
      HostSwitchState three = withPorts(3, Map.of("a", "three", "b", "one"));
      commit(store, three);
      assertThat(new RocksStateStore(db, "").historicState(DVS_ID, 3)).contains(three);
      assertThat(store.historicState(DVS_ID, 1)).contains(one);
    }
  }

  @Test
  void anOlderAgentsWholeStatesAreReadThenReplacedAsTheyLeaveTheHistory() throws Exception {
    try (RocksDatabase db = RocksDatabase.open(dir)) {
      // The layout of older agents: each state whole under v/, named by the response.
      HostSwitchState legacy = withPorts(1, ports(5));
      try (WriteBatch batch = new WriteBatch()) {
        batch.put(
            bytes("r/" + DVS_ID),
            ApplyResponse.newBuilder().setAppliedGeneration(1).build().toByteArray());
        batch.put(
            bytes("h/" + DVS_ID + "/" + PortVersions.digits(1)),
            HistoryEntry.newBuilder().setGeneration(1).build().toByteArray());
        batch.put(bytes("v/" + DVS_ID + "/" + PortVersions.digits(1)), legacy.toByteArray());
        db.write(batch);
      }
      RocksStateStore store = new RocksStateStore(db, "");
      assertThat(store.loadAll())
          .singleElement()
          .satisfies(s -> assertThat(s.state()).isEqualTo(legacy));

      Map<String, String> ports = ports(5);
      ports.put("p0002", "new");
      commit(store, withPorts(2, ports));
      assertThat(store.historicState(DVS_ID, 1)).contains(legacy);
      assertThat(store.historicState(DVS_ID, 2)).contains(withPorts(2, ports));

      for (long g = 3; g <= StateStore.HISTORY_LIMIT + 1; g++) {
        commit(store, withPorts(g, ports));
      }
      assertThat(keys(db, "v/")).isEmpty();
      assertThat(store.historicState(DVS_ID, 2)).contains(withPorts(2, ports));
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
