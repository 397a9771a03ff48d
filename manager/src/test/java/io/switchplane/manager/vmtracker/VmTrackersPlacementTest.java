package io.switchplane.manager.vmtracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.TrackerSettings;
import io.switchplane.api.v1.Vcenter;
import io.switchplane.api.v1.VcenterRecord;
import io.switchplane.manager.ManagerFixtures;
import io.switchplane.manager.ManagerFixtures.RecordingListener;
import io.switchplane.manager.ZooKeeperStore;
import io.switchplane.manager.secrets.SecretBox;
import io.switchplane.manager.service.ConfigService;
import io.switchplane.manager.store.VcenterStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leadership per DVS on a real ZooKeeper: the owner of a DVS starts and stops the tracker of a
 * vCenter whose record another manager (the cluster leader) writes, within seconds, by the watch on
 * the records, not at the 30 s safety tick.
 */
class VmTrackersPlacementTest {
  @RegisterExtension static final ZooKeeperStore zk = new ZooKeeperStore();

  /** Well under {@link VmTrackers#SAFETY_TICK}: only the watch can be this quick. */
  private static final Duration QUICK = Duration.ofSeconds(5);

  @TempDir Path dir;
  private final AtomicBoolean ownsSw = new AtomicBoolean(true);
  private SecretBox secrets;
  private VcenterStore leaderStore;
  private VmTrackers trackers;
  private String dvsId;

  @BeforeEach
  void setUp() {
    ConfigService service =
        new ConfigService(
            zk.store(),
            zk.hosts(),
            new RecordingListener(),
            ManagerFixtures.leaderView("m1", "m1"));
    service.activate(all -> {});
    dvsId = service.createDvs(Dvs.newBuilder().setName("sw").build()).id();
    secrets = new SecretBox(dir.resolve("secret.key"));
    VcenterStore ownStore = new VcenterStore(zk.client());
    ownStore.ensureLayout();
    // Another manager's view of the same records (a client of its own).
    leaderStore = new VcenterStore(zk.client());
    trackers =
        new VmTrackers(ownStore, secrets, service, new ScriptedSource.Factory(), Clock.systemUTC());
    trackers.placeByDvsOwner(id -> id.equals(dvsId) && ownsSw.get());
  }

  @AfterEach
  void tearDown() {
    trackers.close();
  }

  @Test
  void aRecordWrittenElsewhereStartsAndStopsTheOwnersTrackerAtOnce() {
    assertThat(trackers.trackers()).isEmpty();

    leaderStore.create(record("vc1"));
    await().atMost(QUICK).until(() -> trackers.trackers().size() == 1);
    assertThat(trackers.trackers().get(0).config().dvs()).isEqualTo("sw");

    leaderStore.delete("vc1");
    await().atMost(QUICK).until(() -> trackers.trackers().isEmpty());
  }

  @Test
  void losingTheDvsStopsItsTrackerAndGainingItStartsItAgain() {
    leaderStore.create(record("vc1"));
    await().atMost(QUICK).until(() -> trackers.trackers().size() == 1);

    ownsSw.set(false);
    trackers.ownershipChanged();
    await().atMost(QUICK).until(() -> trackers.trackers().isEmpty());

    ownsSw.set(true);
    trackers.ownershipChanged();
    await().atMost(QUICK).until(() -> trackers.trackers().size() == 1);
  }

  private VcenterRecord record(String name) {
    Vcenter vc =
        Vcenter.newBuilder()
            .setName(name)
            .setUrl("https://vc.example.com/sdk")
            .setUser("administrator@vsphere.local")
            .setTracker(TrackerSettings.newBuilder().setDvs("sw"))
            .build();
    return VcenterRecord.newBuilder()
        .setVcenter(vc)
        .setSealedPassword(ByteString.copyFrom(secrets.seal("s3cret", name)))
        .build();
  }
}
