package io.switchplane.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real second JVM serving real agents on loopback. */
class AgentsProcessTest {
  @Test
  void theChildServesItsAgentsAndStopsWhenItsStdinEnds(@TempDir Path dir) throws IOException {
    AgentsProcess agents = AgentsProcess.start(dir, 2, "memory", "apt-host", Duration.ofMinutes(2));
    ProcessHandle child;
    try {
      child = ProcessHandle.of(agents.pid()).orElseThrow();
      assertThat(agents.size()).isEqualTo(2);
      for (int i = 0; i < 2; i++) {
        String[] hostPort = agents.endpoint(i).split(":");
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5_000);
          assertThat(s.isConnected()).isTrue();
        }
      }
      assertThat(agents.processCpu()).isPositive();
    } finally {
      agents.close();
    }
    assertThat(child.isAlive()).isFalse();
    // 0: it closed its agents and exited by itself (a stop by signal would give 143 or 137)
    assertThat(agents.exitValue()).isZero();
  }
}
