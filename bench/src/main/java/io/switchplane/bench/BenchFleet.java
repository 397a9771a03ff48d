package io.switchplane.bench;

import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.SharedNetty;
import io.switchplane.agent.backend.OvsBackend;
import io.switchplane.agent.store.RocksDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * N lightweight host agents in this JVM: each its own gRPC server on its own loopback port, its own
 * memory backend and apply pipeline, sharing one RocksDB (keys prefixed per agent, writes still
 * synced) and one set of Netty threads.
 */
final class BenchFleet implements AgentFleet {
  /** Threads running agent calls, shared by every agent of the bench. */
  private static final int CALL_THREADS = 32;

  private final RocksDatabase db;
  private final SharedNetty netty;
  private final List<HostAgent> agents = new ArrayList<>();

  /** The Open vSwitch of each host, with --backend ovs (empty otherwise). */
  private final List<OvsSandbox> switches = new ArrayList<>();

  private BenchFleet(RocksDatabase db, SharedNetty netty) {
    this.db = db;
    this.netty = netty;
  }

  /**
   * Gives the agent named hostName, to listen at endpoint, its certificate in dataDir before it
   * starts (registers the host, takes a token, enrolls, saves the identity).
   */
  interface Enroller {
    void enroll(String hostName, String endpoint, Path dataDir) throws IOException;
  }

  static BenchFleet start(Path dir, int count, Progress progress) {
    return start(dir, count, progress, "memory", "bench-host", null);
  }

  /**
   * With backend ovs (or ovs-openflow), each agent drives an Open vSwitch of its own, in a network
   * namespace of its own; with memory, a switch in memory. With an enroller, each agent enrolls
   * first and serves mutual TLS only; without, plaintext on loopback. Agents are named prefix-00001
   * and on.
   */
  static BenchFleet start(
      Path dir, int count, Progress progress, String backend, String prefix, Enroller enroller) {
    boolean ovs = OvsBackend.isOvs(backend);
    // Call threads mostly wait in synced RocksDB writes, which use no CPU: with many of them
    // waiting at once, RocksDB commits their writes as one group with one fsync. With 4 (as
    // before), at most 4 applies shared an fsync (paid in kernel CPU each time) and every other
    // call, parsing included, queued behind the 4 threads waiting for it.
    BenchFleet fleet =
        new BenchFleet(
            RocksDatabase.open(dir.resolve("agents")), SharedNetty.create(2, CALL_THREADS));
    try {
      for (int i = 0; i < count; i++) {
        AgentConfig config;
        if (enroller == null) {
          config =
              AgentConfig.of(0, null)
                  .withHost("", name(prefix, i))
                  .withInsecurePlaintext(); // loopback, in this JVM
        } else {
          // The endpoint is registered before the agent starts (enrollment names the host), so its
          // port is chosen here.
          int port = freeLoopbackPort();
          Path data = dir.resolve("tls-" + i);
          enroller.enroll(name(prefix, i), "127.0.0.1:" + port, data);
          config = AgentConfig.of(port, data).withHost("", name(prefix, i));
        }
        if (ovs) {
          OvsSandbox sandbox =
              OvsSandbox.start(
                  dir.resolve("ovs-" + i),
                  "spb" + ProcessHandle.current().pid() % 10_000 + "-" + i);
          fleet.switches.add(sandbox);
          config = config.withBackend(backend, sandbox.db());
        }
        HostAgent agent =
            HostAgent.builder(config)
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

  static String name(String prefix, int i) {
    return String.format("%s-%05d", prefix, i + 1);
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public String endpoint(int i) {
    return agents.get(i).endpoint();
  }

  @Override
  public int size() {
    return agents.size();
  }

  /** Null: the agents run in this JVM. */
  @Override
  public Duration processCpu() {
    return null;
  }

  @Override
  public Optional<ProcessHandle> process() {
    return Optional.empty();
  }

  @Override
  public void close() {
    agents.forEach(HostAgent::close);
    netty.close();
    db.close();
    switches.forEach(OvsSandbox::close);
  }
}
