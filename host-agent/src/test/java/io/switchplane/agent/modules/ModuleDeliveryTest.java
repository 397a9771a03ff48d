package io.switchplane.agent.modules;

import static io.switchplane.agent.AgentFixtures.A_PORTS;
import static io.switchplane.agent.AgentFixtures.DVS_ID;
import static io.switchplane.agent.AgentFixtures.PG_A;
import static io.switchplane.agent.AgentFixtures.standard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.switchplane.agent.apply.ApplyPipeline;
import io.switchplane.agent.backend.BackendException;
import io.switchplane.agent.backend.MemoryBackend;
import io.switchplane.agent.backend.OvsPolicing.Policing;
import io.switchplane.agent.backend.SwitchBackend;
import io.switchplane.agent.modules.qos.QosModule;
import io.switchplane.agent.store.PublishedStore;
import io.switchplane.agent.store.RocksDatabase;
import io.switchplane.agent.store.RocksStateStore;
import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.api.v1.PropertyUnset;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.fault.FaultPoints;
import io.switchplane.common.properties.BuiltInNamespaces;
import io.switchplane.common.properties.Entity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Property modules inside the apply pipeline, over a real RocksDB and the memory backend. */
class ModuleDeliveryTest {
  private static final String QOS = BuiltInNamespaces.QOS;
  private static final String REC = "org.example.rec";
  private static final String LOST = "com.example.nomodule";

  /** Records what it is given; fails while failing is set. */
  static final class Recording implements PropertyModule {
    final String ns;
    final boolean advisory;
    final List<PropertyUpdate> updates = new CopyOnWriteArrayList<>();
    final List<SwitchValues> started = new CopyOnWriteArrayList<>();
    volatile boolean failing;

    Recording(String ns, boolean advisory) {
      this.ns = ns;
      this.advisory = advisory;
    }

    @Override
    public String namespace() {
      return ns;
    }

    @Override
    public boolean advisory() {
      return advisory;
    }

    @Override
    public void onStart(ModuleContext context, List<SwitchValues> switches) {
      started.addAll(switches);
    }

    @Override
    public void onApply(PropertyUpdate update) throws ModuleException {
      if (failing && !update.undo()) {
        throw new ModuleException("refused on purpose");
      }
      updates.add(update);
    }
  }

  /**
   * The memory backend, except that one apply call throws unchecked, as the OVS backend does when
   * its OVSDB session is gone before anything was sent (the switch is left as it was).
   */
  static final class CallFailing implements SwitchBackend {
    private final MemoryBackend memory;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int failAt;

    CallFailing(MemoryBackend memory) {
      this.memory = memory;
    }

    /** The k-th apply call from now (1-based) throws once. */
    void failOnCall(int k) {
      calls.set(0);
      failAt = k;
    }

    @Override
    public String name() {
      return memory.name();
    }

    @Override
    public Map<String, EffectivePort> ports(String dvsId) {
      return memory.ports(dvsId);
    }

    @Override
    public boolean outlivesAgent() {
      return memory.outlivesAgent();
    }

    @Override
    public void apply(String dvsId, List<PortOp> ops) throws BackendException {
      if (failAt > 0 && calls.incrementAndGet() == failAt) {
        failAt = 0;
        throw new UncheckedIOException(new IOException("OVSDB session lost"));
      }
      memory.apply(dvsId, ops);
    }

    @Override
    public void close() {
      memory.close();
    }
  }

  @TempDir Path dir;
  private RocksDatabase db;
  private MemoryBackend backend;
  private CallFailing switchCalls;
  private ApplyPipeline pipeline;
  private QosModule qos;
  private Recording rec;
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

  @BeforeEach
  void open() {
    db = RocksDatabase.open(dir);
    startPipeline();
  }

  private void startPipeline() {
    backend = new MemoryBackend();
    switchCalls = new CallFailing(backend);
    qos = new QosModule();
    rec = new Recording(REC, false);
    pipeline =
        new ApplyPipeline(
            switchCalls,
            new RocksStateStore(db, ""),
            Clock.systemUTC(),
            FaultPoints.none(),
            timers,
            null,
            PropertyModules.of(List.of(qos, rec)));
    pipeline.recover();
    PublishedValues published = new PublishedValues(new PublishedStore(db, ""), Clock.systemUTC());
    published.load();
    pipeline.startModules(
        ns ->
            new ModuleContext(
                "test", backend.name(), Optional.empty(), published.publisherFor(ns)));
  }

  private void restart() {
    pipeline.close();
    backend.close();
    startPipeline();
  }

  @AfterEach
  void close() {
    pipeline.close();
    backend.close();
    db.close();
    timers.shutdownNow();
  }

  static PropertyEntry value(String ns, String key, String v) {
    return PropertyEntry.newBuilder()
        .setNamespace(ns)
        .setKey(key)
        .setValue(ByteString.copyFromUtf8(v))
        .build();
  }

  /**
   * The standard state with rate 1000 on the DVS, 500 on port group A, 50 on port a2 and rate unset
   * on b1.
   */
  private static HostSwitchState withRates(long generation) {
    HostSwitchState s = standard(generation, 10, 20);
    HostSwitchState.Builder b = s.toBuilder();
    b.setDvs(s.getDvs().toBuilder().addProperties(value(QOS, QosModule.RATE, "1000")));
    PortGroup a = s.getPortGroups(0);
    b.setPortGroups(0, a.toBuilder().addProperties(value(QOS, QosModule.RATE, "500")));
    for (int i = 0; i < s.getPortsCount(); i++) {
      String key = s.getPorts(i).getKey();
      if (key.equals("a2")) {
        b.setPorts(i, s.getPorts(i).toBuilder().addProperties(value(QOS, QosModule.RATE, "50")));
      } else if (key.equals("b1")) {
        b.setPorts(
            i,
            s.getPorts(i).toBuilder()
                .addProperties(
                    PropertyEntry.newBuilder()
                        .setNamespace(QOS)
                        .setKey(QosModule.RATE)
                        .setUnset(PropertyUnset.getDefaultInstance())));
      }
    }
    return b.build();
  }

  /** Generation 2 moves port group A to VLAN 11 with a DVS rate the QoS module refuses ('fast'). */
  private static HostSwitchState refusedRate() {
    return standard(2, 11, 20).toBuilder()
        .setDvs(
            withRates(2).getDvs().toBuilder().setProperties(0, value(QOS, QosModule.RATE, "fast")))
        .build();
  }

  private ApplyResponse applyConfirmed(HostSwitchState s) {
    ApplyResponse r = pipeline.apply(s);
    pipeline.confirm(DVS_ID, r.getAppliedGeneration(), r.getNonce());
    return r;
  }

  private Map<String, Long> rates() {
    Map<String, Long> out = new java.util.TreeMap<>();
    qos.recorded(DVS_ID).forEach((k, p) -> out.put(k, p.rateKbps()));
    return out;
  }

  @Test
  void qosRatesInheritFromThePortGroupWithAnOverrideOnOnePortAndAnUnsetStopsTheDvsValue() {
    ApplyResponse r = applyConfirmed(withRates(1));
    assertThat(rates())
        .containsExactly(
            Map.entry("a1", 500L),
            Map.entry("a2", 50L),
            Map.entry("a3", 500L),
            Map.entry("b2", 1000L));
    assertThat(qos.recorded(DVS_ID).get("a1")).isEqualTo(new Policing(500, 50));
    // DVS + 2 port groups + 4 ports with a rate.
    assertThat(r.getSummary().getPropertyChanges()).isEqualTo(7);

    // A DVS-level change reaches every port that inherits it, and only those, in one apply.
    HostSwitchState next =
        withRates(2).toBuilder()
            .setDvs(
                withRates(2).getDvs().toBuilder()
                    .setProperties(0, value(QOS, QosModule.RATE, "2000")))
            .build();
    rec.updates.clear();
    applyConfirmed(next);
    assertThat(rates()).containsEntry("b2", 2000L).containsEntry("a1", 500L);
  }

  @Test
  void aRefusingModuleFailsTheApplyAndTheSwitchIsTakenBack() {
    applyConfirmed(withRates(1));
    Map<String, EffectivePort> before = backend.ports(DVS_ID);
    HostSwitchState bad = refusedRate();

    SwitchplaneException e =
        catchThrowableOfType(() -> pipeline.apply(bad), SwitchplaneException.class);

    assertThat(e.code()).isEqualTo(ErrorCode.ABORTED);
    assertThat(e.getMessage())
        .contains("generation 2", "io.switchplane.qos", "'fast'", "taken back");
    assertThat(backend.ports(DVS_ID))
        .isEqualTo(before); // the VLAN change of port group A was undone
    assertThat(pipeline.applied(DVS_ID).orElseThrow().generation()).isEqualTo(1);
    assertThat(rates()).containsEntry("a1", 500L);
  }

  @Test
  void aRefusingModuleWhoseUndoTheSwitchAlsoRefusesDoesNotClaimTheSwitchWasTakenBack() {
    applyConfirmed(withRates(1));
    Map<String, EffectivePort> before = backend.ports(DVS_ID);
    HostSwitchState bad = refusedRate();
    // The apply changes the VLAN of each port of group A; the undo is the next forward operation.
    backend.failOnOperation(A_PORTS.length + 1);

    SwitchplaneException e =
        catchThrowableOfType(() -> pipeline.apply(bad), SwitchplaneException.class);

    assertThat(e.code()).isEqualTo(ErrorCode.ABORTED);
    assertThat(e.getMessage())
        .contains("generation 2", "'fast'", "could not be undone on the switch", "injected fault")
        .doesNotContain("taken back");
    assertThat(backend.ports(DVS_ID)).as("neither state on the switch").isNotEqualTo(before);
    assertThat(pipeline.applied(DVS_ID).orElseThrow().generation()).isEqualTo(1);
    restart();
    assertThat(backend.ports(DVS_ID)).as("the next start brings the switch back").isEqualTo(before);
  }

  @Test
  void aRefusingModuleWhoseUndoThrowsUncheckedDoesNotClaimTheSwitchWasTakenBack() {
    applyConfirmed(withRates(1));
    Map<String, EffectivePort> before = backend.ports(DVS_ID);
    HostSwitchState bad = refusedRate();
    switchCalls.failOnCall(2); // the apply goes through; its undo after the module's refusal throws

    SwitchplaneException e =
        catchThrowableOfType(() -> pipeline.apply(bad), SwitchplaneException.class);

    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.ABORTED);
    assertThat(e.getMessage())
        .contains(
            "generation 2", "'fast'", "could not be undone on the switch", "OVSDB session lost")
        .doesNotContain("taken back");
    assertThat(backend.ports(DVS_ID))
        .as("generation 2 is still on the switch")
        .isNotEqualTo(before);
    restart();
    assertThat(backend.ports(DVS_ID)).as("the next start brings the switch back").isEqualTo(before);
  }

  @Test
  void aFailingModuleAfterAnotherUndoesTheFirstAndAdvisoryFailuresAreOnlyLogged() {
    applyConfirmed(withRates(1));
    rec.failing = true;
    HostSwitchState next =
        withRates(2).toBuilder()
            .setDvs(
                withRates(2).getDvs().toBuilder()
                    .setProperties(0, value(QOS, QosModule.RATE, "3000"))
                    .addProperties(value(REC, "k", "v")))
            .build();
    assertThat(catchThrowableOfType(() -> pipeline.apply(next), SwitchplaneException.class).code())
        .isEqualTo(ErrorCode.ABORTED);
    // qos (called first, by namespace order) applied 3000 and was given the way back.
    assertThat(rates()).containsEntry("b2", 1000L);

    pipeline.close();
    backend.close();
    backend = new MemoryBackend();
    Recording advisory = new Recording(REC, true);
    advisory.failing = true;
    pipeline =
        new ApplyPipeline(
            backend,
            new RocksStateStore(db, ""),
            Clock.systemUTC(),
            FaultPoints.none(),
            timers,
            null,
            PropertyModules.of(List.of(advisory)));
    pipeline.recover();
    assertThat(pipeline.apply(next).getAppliedGeneration()).isEqualTo(2);
  }

  @Test
  void anUnclaimedNamespaceIsKeptReportedAndSurvivesARestart() {
    HostSwitchState s =
        withRates(1).toBuilder()
            .setPorts(
                0,
                withRates(1).getPorts(0).toBuilder()
                    .addProperties(value(LOST, "opaque", "\u0000\u0001binary")))
            .build();
    ApplyResponse r = applyConfirmed(s);
    assertThat(r.getUnclaimedNamespacesList()).containsExactly(LOST);

    restart();

    HostSwitchState stored = pipeline.applied(DVS_ID).orElseThrow().state();
    assertThat(stored).isEqualTo(s);
    assertThat(pipeline.modules().unclaimed(stored)).containsExactly(LOST);
    // The modules got the stored values at start: qos enforces them again without any push.
    assertThat(rates()).containsEntry("a1", 500L).containsEntry("b2", 1000L);
    assertThat(rec.started).hasSize(1);
  }

  @Test
  void aRollbackGivesTheModulesTheWayBack() {
    applyConfirmed(withRates(1));
    HostSwitchState next =
        withRates(2).toBuilder()
            .setDvs(
                withRates(2).getDvs().toBuilder()
                    .setProperties(0, value(QOS, QosModule.RATE, "4000")))
            .build();
    ApplyResponse r = pipeline.apply(next);
    assertThat(rates()).containsEntry("b2", 4000L);
    pipeline.rollback(DVS_ID, 2, r.getNonce());
    assertThat(rates()).containsEntry("b2", 1000L);
  }

  @Test
  void publishedValuesReadBackAndPersistentOnesSurviveARestart() {
    PublishedValues published =
        new PublishedValues(new PublishedStore(db, "x/"), Clock.systemUTC());
    Publisher p = published.publisherFor(REC);
    p.publish(DVS_ID, Entity.port("a1"), "seen", ByteString.copyFromUtf8("runtime"), false);
    p.publish(DVS_ID, Entity.host("host-1"), "serial", ByteString.copyFromUtf8("kept"), true);
    List<String> seen = new ArrayList<>();
    Runnable stop = published.watch(v -> seen.add(v.getKey()));
    p.publish(DVS_ID, Entity.port("a2"), "seen", ByteString.copyFromUtf8("later"), false);
    stop.run();
    assertThat(seen).containsExactly("seen");
    assertThat(published.list(DVS_ID, "")).hasSize(3);

    PublishedValues again = new PublishedValues(new PublishedStore(db, "x/"), Clock.systemUTC());
    again.load();
    assertThat(again.list(DVS_ID, REC))
        .extracting(v -> v.getKey() + "=" + v.getValue().toStringUtf8())
        .containsExactly("serial=kept");
    assertThat(A_PORTS).contains("a1");
    assertThat(PG_A).isNotEmpty();
  }
}
