package io.switchplane.agent.apply;

import static io.switchplane.agent.AgentFixtures.DVS_ID;
import static io.switchplane.agent.AgentFixtures.standard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.MemoryBackend;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.modules.ModuleContext;
import io.switchplane.agent.modules.ModuleException;
import io.switchplane.agent.modules.PropertyModule;
import io.switchplane.agent.modules.PropertyModules;
import io.switchplane.agent.modules.PropertyUpdate;
import io.switchplane.agent.modules.SwitchValues;
import io.switchplane.agent.store.RocksDatabase;
import io.switchplane.agent.store.RocksStateStore;
import io.switchplane.agent.store.StateStore;
import io.switchplane.agent.store.StoredSwitch;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.fault.FaultPoints;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply as one transaction, with a failure at each step that changes the host: what is taken
 * back, what the answer says, and whether the journal (kept for a backend that outlives the agent)
 * is dropped or left for the next start.
 */
class ApplyTransactionTest {
  private static final String NS = "org.example.rec";

  @TempDir Path dir;
  private RocksDatabase db;
  private RocksStateStore store;
  private final Switch backend = new Switch();
  private final RecordingModule module = new RecordingModule();

  @BeforeEach
  void open() {
    db = RocksDatabase.open(dir);
    store = new RocksStateStore(db, "");
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aCommittedApplyIsStoredWithItsPendingConfirmAndTheJournalIsGone() {
    ApplyTransaction.Committed done = run(store, withValue(standard(1, 10, 20), "a"), null);
    assertThat(done.applied().generation()).isEqualTo(1);
    assertThat(done.pending().getRevertToGeneration()).isZero();
    assertThat(done.superseded()).isFalse();
    assertThat(backend.ports(DVS_ID)).isEqualTo(done.applied().effective());
    assertThat(stored().pending()).isEqualTo(done.pending());
    assertThat(stored().journal()).isNull();
    assertThat(module.updates).isEqualTo(1);
  }

  @Test
  void theJournalRefusingStopsTheApplyBeforeTheSwitchIsTouched() {
    AppliedSwitch first = run(store, withValue(standard(1, 10, 20), "a"), null).applied();
    Map<String, EffectivePort> before = backend.ports(DVS_ID);
    int calls = backend.calls;

    assertFails(
        () -> run(RefusingStore.journal(store), withValue(standard(2, 11, 21), "b"), first),
        ErrorCode.INTERNAL,
        "disk full");
    assertThat(backend.calls).isEqualTo(calls);
    assertThat(backend.ports(DVS_ID)).isEqualTo(before);
    assertThat(module.updates).as("apply 1 only").isEqualTo(1);
    assertThat(stored().state().getDvs().getGeneration()).isEqualTo(1);
    assertThat(stored().journal()).isNull();
  }

  @Test
  void theBackendRefusingUndoesItsOwnOperationsAndTheJournalIsDropped() {
    AppliedSwitch first = run(store, standard(1, 10, 20), null).applied();
    Map<String, EffectivePort> before = backend.ports(DVS_ID);
    backend.memory.failOnOperation(2);

    assertFails(
        () -> run(store, standard(2, 11, 21), first),
        ErrorCode.ABORTED,
        "generation 2 of DVS 'dvs1' not applied",
        "injected fault",
        "the operations already done were undone");
    assertThat(backend.ports(DVS_ID)).isEqualTo(before);
    assertThat(stored().state().getDvs().getGeneration()).isEqualTo(1);
    assertThat(stored().journal()).isNull();
  }

  @Test
  void aModuleRefusingTakesTheSwitchBack() {
    AppliedSwitch first = run(store, standard(1, 10, 20), null).applied();
    Map<String, EffectivePort> before = backend.ports(DVS_ID);
    module.refuse = true;

    assertFails(
        () -> run(store, withValue(standard(2, 11, 21), "b"), first),
        ErrorCode.ABORTED,
        "generation 2 of DVS 'dvs1' not applied",
        "refused by the test",
        "; the switch was taken back");
    assertThat(backend.ports(DVS_ID)).isEqualTo(before);
    assertThat(stored().journal()).isNull();
  }

  @Test
  void aSwitchThatCannotBeTakenBackIsSaidAndItsJournalKeptForTheNextStart() {
    AppliedSwitch first = run(store, standard(1, 10, 20), null).applied();
    module.refuse = true;
    backend.refuseFromCall = backend.calls + 2; // the apply goes through, its undo does not

    assertFails(
        () -> run(store, withValue(standard(2, 11, 21), "b"), first),
        ErrorCode.ABORTED,
        "refused by the test",
        "and it could not be undone on the switch (switch refused call",
        "the next start brings the switch back to the stored state");
    assertThat(stored().journal()).as("left for the next start").isNotNull();
    assertThat(stored().journal().getGeneration()).isEqualTo(2);
  }

  @Test
  void theStoreRefusingTakesTheModulesAndTheSwitchBack() {
    AppliedSwitch first = run(store, withValue(standard(1, 10, 20), "a"), null).applied();
    Map<String, EffectivePort> before = backend.ports(DVS_ID);

    assertFails(
        () -> run(RefusingStore.commit(store), withValue(standard(2, 11, 21), "b"), first),
        ErrorCode.INTERNAL,
        "cannot persist it (disk full); the switch was taken back");
    assertThat(backend.ports(DVS_ID)).isEqualTo(before);
    assertThat(module.updates).as("apply 1, apply 2, and the undo of 2").isEqualTo(3);
    assertThat(module.last).isEqualTo("a");
    assertThat(stored().state().getDvs().getGeneration()).isEqualTo(1);
    assertThat(stored().journal()).isNull();
  }

  @Test
  void anOlderGenerationOrOneOverAPendingConfirmIsRefusedBeforeAnythingChanges() {
    ApplyTransaction.Committed first = run(store, standard(2, 10, 20), null);
    int calls = backend.calls;
    assertFails(
        () -> run(store, standard(1, 10, 20), first.applied()),
        ErrorCode.FAILED_PRECONDITION,
        "older than the applied generation 2");
    assertFails(
        () ->
            new ApplyTransaction(
                    parts(store), standard(3, 10, 20), first.applied(), first.pending())
                .run(30_000, "", false, System.nanoTime()),
        ErrorCode.FAILED_PRECONDITION,
        "is awaiting confirm");
    assertThat(backend.calls).isEqualTo(calls);
    assertThat(stored().journal()).isNull();
  }

  private ApplyTransaction.Committed run(
      StateStore s, HostSwitchState desired, AppliedSwitch current) {
    return new ApplyTransaction(parts(s), desired, current, null)
        .run(30_000, "", false, System.nanoTime());
  }

  private ApplyTransaction.Parts parts(StateStore s) {
    return new ApplyTransaction.Parts(
        backend, s, PropertyModules.of(List.of(module)), Clock.systemUTC(), FaultPoints.none());
  }

  private StoredSwitch stored() {
    return store.loadAll().stream()
        .filter(w -> w.state().getDvs().getId().equals(DVS_ID))
        .findFirst()
        .orElseThrow();
  }

  private static HostSwitchState withValue(HostSwitchState s, String value) {
    return s.toBuilder()
        .setDvs(
            s.getDvs().toBuilder()
                .addProperties(
                    PropertyEntry.newBuilder()
                        .setNamespace(NS)
                        .setKey("k")
                        .setValue(ByteString.copyFromUtf8(value))))
        .build();
  }

  private static void assertFails(Runnable call, ErrorCode code, String... messageParts) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            SwitchplaneException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContainingAll(messageParts);
  }

  /**
   * A switch that outlives the agent (so the journal is used) and refuses whole applies on demand.
   */
  private static final class Switch implements SwitchBackend {
    final MemoryBackend memory = new MemoryBackend();
    int calls;
    int refuseFromCall = Integer.MAX_VALUE;

    @Override
    public String name() {
      return "test";
    }

    @Override
    public Map<String, EffectivePort> ports(String dvsId) {
      return memory.ports(dvsId);
    }

    @Override
    public boolean outlivesAgent() {
      return true;
    }

    @Override
    public void apply(String dvsId, List<PortOp> ops) throws BackendException {
      if (++calls >= refuseFromCall) {
        throw new BackendException("switch refused call " + calls);
      }
      memory.apply(dvsId, ops);
    }

    @Override
    public void close() {
      memory.close();
    }
  }

  /** Counts the updates it gets and keeps the last value; refuses on demand. */
  private static final class RecordingModule implements PropertyModule {
    int updates;
    String last;
    boolean refuse;

    @Override
    public String namespace() {
      return NS;
    }

    @Override
    public void onStart(ModuleContext context, List<SwitchValues> switches) {
      // nothing to start
    }

    @Override
    public void onApply(PropertyUpdate update) throws ModuleException {
      if (refuse) {
        refuse = false;
        throw new ModuleException("refused by the test");
      }
      updates++;
      for (PropertyUpdate.EntityChange c : update.changes()) {
        ByteString v = c.now().get("k");
        last = v == null ? null : v.toStringUtf8();
      }
    }
  }
}
