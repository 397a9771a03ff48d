package io.switchplane.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.agent.apply.ApplyPipeline;
import io.switchplane.agent.store.RocksDatabase;
import io.switchplane.agent.store.RocksStateStore;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.fault.FaultPoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackendTest {
  @TempDir Path dir;

  @Test
  void theTemporaryFilesOfInterruptedWritesAreRemovedAndThePortsStay() throws Exception {
    FileBackend backend = new FileBackend(dir);
    EffectivePort p1 = EffectivePort.newBuilder().setKey("p1").setPortGroupId("pg").build();
    backend.apply("dvs", List.of(PortOp.add(p1)));
    // What a kill between the write of a temporary file and its rename leaves.
    Files.write(dir.resolve("dvs").resolve("p1.port.tmp"), new byte[] {1, 2});
    Files.write(dir.resolve("dvs").resolve("p2.port.tmp"), new byte[] {3});

    backend.removeLeftovers();

    try (var files = Files.list(dir.resolve("dvs"))) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("p1.port");
    }
    assertThat(backend.ports("dvs")).containsOnlyKeys("p1").containsEntry("p1", p1);
  }

  @Test
  void anAgentStartingOnTheFileBackendRemovesTheLeftoversBeforeItServes() throws Exception {
    Path ports = dir.resolve("switch");
    Files.createDirectories(ports.resolve("dvs"));
    Files.write(ports.resolve("dvs").resolve("p9.port.tmp"), new byte[] {1});
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    try (RocksDatabase db = RocksDatabase.open(dir.resolve("db"))) {
      ApplyPipeline pipeline =
          new ApplyPipeline(
              new FileBackend(ports),
              new RocksStateStore(db, ""),
              Clock.systemUTC(),
              FaultPoints.none(),
              timers);
      pipeline.recover();
      assertThat(ports.resolve("dvs").resolve("p9.port.tmp")).doesNotExist();
      pipeline.close();
    } finally {
      timers.shutdownNow();
    }
  }

  @Test
  void aBackendWithNothingWrittenYetHasNothingToClean() {
    new FileBackend(dir.resolve("never-written")).removeLeftovers();
    assertThat(dir.resolve("never-written")).doesNotExist();
  }
}
