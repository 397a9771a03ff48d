package io.switchplane.it;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.GetHistoryRequest;
import io.switchplane.api.v1.GetStateRequest;
import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HostAgentServiceGrpc;
import io.switchplane.api.v1.ListSwitchesRequest;
import io.switchplane.api.v1.SwitchSummary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * N host agents, each in a JVM of its own with the file backend and its own RocksDB, serving
 * plaintext on loopback; named {@link #host(int)}. Read through their own API, as an operator on
 * the host would.
 */
final class AgentProcesses implements AutoCloseable {
  private final ChildProcess[] agents;
  private final ManagedChannel[] channels;

  private AgentProcesses(int count) {
    agents = new ChildProcess[count];
    channels = new ManagedChannel[count];
  }

  /** Starts count agents under dir and waits until each serves. */
  static AgentProcesses start(Path dir, int count) throws IOException {
    AgentProcesses a = new AgentProcesses(count);
    try {
      for (int i = 0; i < count; i++) {
        Path data = dir.resolve(host(i));
        a.agents[i] =
            ChildProcess.start(
                data,
                List.of(),
                "agent",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                data.toString(),
                "--backend",
                "file",
                "--name",
                host(i),
                "--insecure-plaintext");
        a.channels[i] = NettyChannelBuilder.forTarget(a.endpoint(i)).usePlaintext().build();
      }
    } catch (IOException | RuntimeException e) {
      a.close();
      throw e;
    }
    return a;
  }

  static String host(int i) {
    return "esx" + i;
  }

  int size() {
    return agents.length;
  }

  String endpoint(int i) {
    return agents[i].endpoint();
  }

  private HostAgentServiceGrpc.HostAgentServiceBlockingStub stub(int i) {
    return HostAgentServiceGrpc.newBlockingStub(channels[i]).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  /** Agent i's applied generation of each DVS it holds, by DVS id. */
  Map<String, Long> appliedGenerations(int i) {
    Map<String, Long> out = new HashMap<>();
    for (SwitchSummary s :
        stub(i).listSwitches(ListSwitchesRequest.getDefaultInstance()).getSwitchesList()) {
      out.put(s.getDvsId(), s.getAppliedGeneration());
    }
    return out;
  }

  /** Agent i's whole state of one DVS. */
  GetStateResponse state(int i, String dvsId) {
    return stub(i).getState(GetStateRequest.newBuilder().setDvsId(dvsId).build());
  }

  /** Agent i's history rows of one DVS, newest first (at most the agent's history limit). */
  List<HistoryEntry> history(int i, String dvsId) {
    return stub(i)
        .getHistory(GetHistoryRequest.newBuilder().setDvsId(dvsId).build())
        .getEntriesList();
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      if (c != null) {
        c.shutdownNow();
      }
    }
    for (ChildProcess a : agents) {
      if (a != null && a.process().isAlive()) {
        try {
          a.kill();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
