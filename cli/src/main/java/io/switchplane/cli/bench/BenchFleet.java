package io.switchplane.cli.bench;

import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.SharedNetty;
import io.switchplane.agent.store.RocksDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * N lightweight host agents in this JVM: each its own gRPC server on its own loopback port,
 * its own memory backend and apply pipeline, sharing one RocksDB (keys prefixed per agent,
 * writes still synced) and one set of Netty threads.
 */
final class BenchFleet implements AutoCloseable {
  private final RocksDatabase db;
  private final SharedNetty netty;
  private final List<HostAgent> agents = new ArrayList<>();

  private BenchFleet(RocksDatabase db, SharedNetty netty) {
    this.db = db;
    this.netty = netty;
  }

  static BenchFleet start(Path dir, int count, Progress progress) {
    BenchFleet fleet = new BenchFleet(RocksDatabase.open(dir.resolve("agents")), SharedNetty.create(2, 4));
    try {
      for (int i = 0; i < count; i++) {
        HostAgent agent = HostAgent.builder(AgentConfig.of(0, null).withHost("", name(i)))
            .sharedStore(fleet.db, String.format("agent-%05d/", i))
            .sharedNetty(fleet.netty)
            .build();
        fleet.agents.add(agent);
        agent.start();
        progress.step(i + 1);
      }
      return fleet;
    } catch (IOException e) {
      fleet.close();
      throw new UncheckedIOException("cannot start bench agents", e);
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
  }

  static String name(int i) {
    return String.format("bench-host-%05d", i + 1);
  }

  String endpoint(int i) {
    return agents.get(i).endpoint();
  }

  int size() {
    return agents.size();
  }

  @Override
  public void close() {
    agents.forEach(HostAgent::close);
    netty.close();
    db.close();
  }
}
