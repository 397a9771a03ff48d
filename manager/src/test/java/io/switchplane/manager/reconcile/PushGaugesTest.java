package io.switchplane.manager.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ApplyResponse;
import io.switchplane.manager.events.EventLog;
import io.switchplane.manager.reconcile.PushProtocol.Applying;
import io.switchplane.manager.reconcile.PushProtocol.AwaitingConfirm;
import io.switchplane.manager.reconcile.PushProtocol.Confirmed;
import io.switchplane.rpc.metrics.Metrics;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The push gauges read the status book at each scrape, every state of a DVS there at zero. */
class PushGaugesTest {
  private final HostStatusBook book = new HostStatusBook();
  private final Metrics metrics = new Metrics();
  private final AtomicInteger queued = new AtomicInteger();
  private final PushRecorder recorder =
      new PushRecorder(
          book,
          new PushMetrics(metrics),
          new EventLog(),
          new PushFixtures.Directory().put("h1", "127.0.0.1:1").put("h2", "127.0.0.1:2"));

  PushGaugesTest() {
    PushGauges.register(metrics, book, queued::get, () -> 0);
  }

  @Test
  void everyStateOfEveryTrackedDvsIsThereAndMovesWithThePushes() {
    assertThat(metrics.render()).doesNotContain("switchplane_hosts{");

    recorder.committed("d", "dvs1", 3, List.of("h1", "h2"), Set.of("h1", "h2"));

    assertThat(metrics.render())
        .contains(
            "switchplane_hosts{dvs=\"dvs1\",state=\"pending\"} 2.0\n",
            "switchplane_hosts{dvs=\"dvs1\",state=\"in_sync\"} 0.0\n",
            "switchplane_hosts{dvs=\"dvs1\",state=\"failed\"} 0.0\n",
            "switchplane_hosts{dvs=\"dvs1\",state=\"rolled_back\"} 0.0\n",
            "switchplane_host_generation_lag{dvs=\"dvs1\",host=\"name-h1\"} 3.0\n",
            "switchplane_pending_confirms{dvs=\"dvs1\"} 0.0\n",
            "switchplane_dvs_generation{dvs=\"dvs1\"} 3.0\n");
    assertThat(metrics.render().lines().filter(l -> l.startsWith("switchplane_hosts{")))
        .hasSize(PushGauges.STATES.size());

    recorder.record("d", "h1", new Applying(3));
    recorder.record(
        "d",
        "h1",
        new AwaitingConfirm(
            3, "n", 9_000, ApplyResponse.newBuilder().setAppliedGeneration(3).build()));
    assertThat(metrics.render())
        .contains(
            "switchplane_pending_confirms{dvs=\"dvs1\"} 1.0\n",
            "switchplane_host_generation_lag{dvs=\"dvs1\",host=\"name-h1\"} 0.0\n");

    recorder.record("d", "h1", new Confirmed(3, 3, 1_000));
    assertThat(metrics.render())
        .contains(
            "switchplane_hosts{dvs=\"dvs1\",state=\"in_sync\"} 1.0\n",
            "switchplane_hosts{dvs=\"dvs1\",state=\"pending\"} 1.0\n",
            "switchplane_pending_confirms{dvs=\"dvs1\"} 0.0\n");
  }

  @Test
  void theQueueDepthIsReadAtEachScrape() {
    assertThat(metrics.render()).contains("switchplane_push_queue_depth 0.0\n");
    queued.set(7);
    assertThat(metrics.render()).contains("switchplane_push_queue_depth 7.0\n");
  }
}
