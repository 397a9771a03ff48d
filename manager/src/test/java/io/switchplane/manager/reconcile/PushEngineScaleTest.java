package io.switchplane.manager.reconcile;

import static io.switchplane.manager.reconcile.PushFixtures.DVS_ID;
import static io.switchplane.manager.reconcile.PushFixtures.PG_A;
import static io.switchplane.manager.reconcile.PushFixtures.host;
import static io.switchplane.manager.reconcile.PushFixtures.next;
import static io.switchplane.manager.reconcile.PushFixtures.vlanOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.manager.model.DvsConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A measurement, not a unit test: a port-group change reaching N fake agents, each on its own
 * loopback port, pushed in parallel and then one host at a time. Run with
 * {@code -Dswitchplane.scale=true} (and optionally {@code -Dswitchplane.scale.hosts=2000},
 * {@code -Dswitchplane.scale.inflight=512}, {@code -Dswitchplane.scale.delayms=0} for an agent apply latency).
 */
@EnabledIfSystemProperty(named = "switchplane.scale", matches = "true")
class PushEngineScaleTest {
  private static final Logger LOG = LoggerFactory.getLogger(PushEngineScaleTest.class);

  @Test
  void portGroupChangeToManyHosts() {
    int hosts = Integer.getInteger("switchplane.scale.hosts", 2000);
    Duration applyLatency = Duration.ofMillis(Integer.getInteger("switchplane.scale.delayms", 0));
    FakeAgent.Gauge gauge = new FakeAgent.Gauge();
    List<FakeAgent> agents = new ArrayList<>();
    PushFixtures.Directory directory = new PushFixtures.Directory();
    try {
      for (int i = 0; i < hosts; i++) {
        FakeAgent a = FakeAgent.start(gauge, applyLatency);
        agents.add(a);
        directory.put(host(i), a.endpoint());
      }
      PushSettings d = PushSettings.defaults();
      PushSettings settings = new PushSettings(Integer.getInteger("switchplane.scale.inflight", d.maxInFlight()),
          d.callDeadline(), d.initialBackoff(), d.maxBackoff());
      try (PushEngine engine = new PushEngine(directory, settings)) {
        engine.start();
        engine.activate(List.of());
        DvsConfig c = PushFixtures.standard(hosts);
        engine.committed(null, c);
        assertThat(engine.whenInSync(DVS_ID, c.generation())).succeedsWithin(Duration.ofSeconds(60)); // connects every channel
        for (int round = 0; round < 3; round++) { // warm-up, then measured
          DvsConfig n = next(c, vlanOf(PG_A, 100 + (int) c.generation()));
          long t0 = System.nanoTime();
          engine.committed(c, n);
          long committed = ms(t0);
          assertThat(engine.whenInSync(DVS_ID, n.generation())).succeedsWithin(Duration.ofSeconds(60));
          LOG.warn("parallel round {}: {} hosts in {} ms (committed() returned after {} ms)", round, hosts, ms(t0), committed);
          c = n;
        }
        long parallel = Long.MAX_VALUE;
        for (int round = 0; round < 2; round++) {
          DvsConfig n = next(c, vlanOf(PG_A, 200 + (int) c.generation()));
          long t0 = System.nanoTime();
          engine.committed(c, n);
          assertThat(engine.whenInSync(DVS_ID, n.generation())).succeedsWithin(Duration.ofSeconds(60));
          parallel = Math.min(parallel, System.nanoTime() - t0);
          c = n;
        }
        engine.setMaxInFlight(1);
        DvsConfig n = next(c, vlanOf(PG_A, 300));
        long t0 = System.nanoTime();
        engine.committed(c, n);
        assertThat(engine.whenInSync(DVS_ID, n.generation())).succeedsWithin(Duration.ofSeconds(120));
        long serial = System.nanoTime() - t0;
        LOG.warn("{} hosts: parallel {} ms, one at a time {} ms, speed-up {}x", hosts,
            parallel / 1_000_000, serial / 1_000_000, String.format("%.1f", (double) serial / parallel));
        assertThat(Duration.ofNanos(parallel)).isLessThan(Duration.ofSeconds(30));
      }
    } finally {
      agents.forEach(FakeAgent::close);
    }
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
