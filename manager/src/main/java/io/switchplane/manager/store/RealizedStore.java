package io.switchplane.manager.store;

import io.switchplane.api.v1.HostRealizedNetworks;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logical networks each host realizes per DVS, in ZooKeeper ({@link StoreLayout#realized}), so
 * that every manager (not only the one pushing the host, which hears the agents) answers the
 * migration precheck with them.
 *
 * <p>The manager pushing a host writes its set when it changes ({@link #changed}, called from the
 * push status book under its lock): the write is handed to one writer thread of its own, in order,
 * so a push never waits for ZooKeeper and a newer set is never overtaken by an older one. A write
 * that fails (ZooKeeper away) is logged; the next change writes again, and the pushing manager
 * itself answers from its own book meanwhile. Last writer wins: one manager pushes a DVS at a time,
 * and a former pusher's late write is corrected by the next change the new one hears.
 */
public final class RealizedStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RealizedStore.class);

  private final CuratorFramework client;
  private final ZkReads reads;
  private final Clock clock;
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "realized-networks-writer");
            t.setDaemon(true);
            return t;
          });

  public RealizedStore(CuratorFramework client, Clock clock) {
    this.client = client;
    this.reads = new ZkReads(client);
    this.clock = clock;
  }

  /** Creates the parent znode if missing. Idempotent. */
  public void ensureLayout() {
    reads.ensure(StoreLayout.REALIZED);
  }

  /** The host's set changed: stores it, asynchronously and in order. Never blocks. */
  public void changed(String dvsId, String hostId, List<String> logicalNetworkIds) {
    HostRealizedNetworks value =
        HostRealizedNetworks.newBuilder()
            .addAllLogicalNetworkIds(logicalNetworkIds)
            .setStoredUnixMs(clock.millis())
            .build();
    try {
      writer.execute(() -> write(dvsId, hostId, value));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("closed; not storing the realized networks of host {}", hostId);
    }
  }

  private void write(String dvsId, String hostId, HostRealizedNetworks value) {
    String path = StoreLayout.realized(dvsId, hostId);
    try {
      client
          .create()
          .orSetData()
          .withMode(CreateMode.PERSISTENT)
          .forPath(path, value.toByteArray());
    } catch (Exception e) {
      LOG.warn(
          "could not store the realized networks of host {} on DVS {}: {}",
          hostId,
          dvsId,
          e.toString());
    }
  }

  /** The host's set as last stored; empty when none was. */
  public Optional<List<String>> read(String dvsId, String hostId) {
    String path = StoreLayout.realized(dvsId, hostId);
    return reads
        .read(path)
        .map(
            v ->
                List.copyOf(
                    ZkReads.parse(HostRealizedNetworks.parser(), v.data(), path)
                        .getLogicalNetworkIdsList()));
  }

  /** Waits briefly for queued writes, then stops the writer. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(2, TimeUnit.SECONDS)) {
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
