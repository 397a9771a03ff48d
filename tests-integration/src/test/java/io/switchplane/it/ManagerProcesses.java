package io.switchplane.it;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.GetManagerInfoRequest;
import io.switchplane.api.v1.GetManagerInfoResponse;
import io.switchplane.api.v1.ListManagersRequest;
import io.switchplane.api.v1.ListManagersResponse;
import io.switchplane.api.v1.ManagerEntry;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.it.net.CuttableProxy;
import io.switchplane.manager.secrets.SecretBox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;

/**
 * N manager processes of one cluster on a ZooKeeper ensemble, each on a fixed loopback port (a
 * restarted manager serves where the operator's channel points) and each reaching every ZooKeeper
 * server through a {@link CuttableProxy} of its own, so that one manager can be partitioned from
 * ZooKeeper while the others keep it. Managers are killed with SIGKILL by their process. With
 * {@code dvsOwnership} each runs with {@code --dvs-ownership}; {@link #owners} says who owns what.
 */
final class ManagerProcesses implements AutoCloseable {
  private final Path dir;
  private final String zookeeper;
  private final Duration session;
  private final boolean dvsOwnership;
  private final int[] ports;
  private final int[] agentPorts;
  private final List<List<CuttableProxy>> proxies = new ArrayList<>();
  private final AtomicReferenceArray<ChildProcess> running;
  private final ManagedChannel[] channels;

  /**
   * Prepares count managers for the ensemble (one proxy per server for each); none is started.
   * dvsOwnership: each started with {@code --dvs-ownership} (an owner per DVS, spread over them).
   */
  ManagerProcesses(Path dir, ZkEnsemble ensemble, int count, Duration session, boolean dvsOwnership)
      throws IOException {
    this.dir = dir;
    this.zookeeper = ensemble.connectString();
    this.session = session;
    this.dvsOwnership = dvsOwnership;
    this.ports = new int[count];
    this.agentPorts = new int[count];
    this.running = new AtomicReferenceArray<>(count);
    this.channels = new ManagedChannel[count];
    // The managers of one cluster share the key file that seals the cluster CA's key.
    Path shared = dir.resolve("managers.key");
    new SecretBox(shared).seal("", "make the key file");
    for (int i = 0; i < count; i++) {
      ports[i] = ZkEnsemble.freePort();
      agentPorts[i] = ZkEnsemble.freePort();
      List<CuttableProxy> own = new ArrayList<>();
      for (int s = 0; s < ensemble.size(); s++) {
        own.add(CuttableProxy.startBytes(ensemble.clientPort(s)));
      }
      proxies.add(own);
      Files.createDirectories(dir.resolve(id(i)));
      Files.copy(
          shared,
          dir.resolve(id(i)).resolve("vcenter-secret.key"),
          StandardCopyOption.REPLACE_EXISTING);
      channels[i] = NettyChannelBuilder.forTarget("127.0.0.1:" + ports[i]).usePlaintext().build();
    }
  }

  int size() {
    return ports.length;
  }

  static String id(int i) {
    return "m" + i;
  }

  /** Starts manager i (again, on its port and data) and waits until it serves. */
  void start(int i) throws IOException {
    if (alive(i)) {
      throw new IllegalStateException(id(i) + " still runs");
    }
    String viaProxies =
        proxies.get(i).stream().map(CuttableProxy::endpoint).collect(Collectors.joining(","));
    List<String> args =
        new ArrayList<>(
            List.of(
                "manager",
                "--listen",
                "127.0.0.1:" + ports[i],
                "--insecure-plaintext",
                "--agent-port",
                Integer.toString(agentPorts[i]),
                "--zookeeper",
                viaProxies,
                "--data-dir",
                dir.resolve(id(i)).toString(),
                "--id",
                id(i),
                "--session-timeout-ms",
                Long.toString(session.toMillis()),
                "--log-level",
                "info"));
    if (dvsOwnership) {
      args.add("--dvs-ownership");
    }
    ChildProcess m = ChildProcess.start(dir.resolve(id(i)), List.of(), args.toArray(String[]::new));
    running.set(i, m);
  }

  boolean alive(int i) {
    ChildProcess m = running.get(i);
    return m != null && m.process().isAlive();
  }

  /** SIGKILL of manager i; returns once it is gone. */
  void kill(int i) throws InterruptedException {
    running.get(i).kill();
  }

  /** Drops every byte between manager i and every ZooKeeper server, as a partition would. */
  void partition(int i) {
    proxies.get(i).forEach(CuttableProxy::cutSilently);
  }

  /** Ends the partition of manager i: new connections to ZooKeeper pass again. */
  void heal(int i) {
    proxies.get(i).forEach(CuttableProxy::restore);
  }

  /** The index of the manager serving the operator endpoint host:port, or -1. */
  int index(String endpoint) {
    for (int i = 0; i < ports.length; i++) {
      if (endpoint.equals("127.0.0.1:" + ports[i]) || endpoint.equals("localhost:" + ports[i])) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Who owns what, as the first live manager that answers within 5 s sees it (empty when none
   * does): manager index to the DVSes it owns (id to owner epoch), and the DVSes without a live
   * owner under key -1. Every live manager is a key, owning none or more.
   */
  Optional<Map<Integer, Map<String, Long>>> owners() {
    for (int i = 0; i < size(); i++) {
      Optional<Map<Integer, Map<String, Long>>> seen = ownersAsSeenBy(i, Duration.ofSeconds(5));
      if (seen.isPresent()) {
        return seen;
      }
    }
    return Optional.empty();
  }

  /**
   * Who owns what as manager i sees it (as {@link #owners}), empty when it is not running or does
   * not answer within deadline.
   */
  Optional<Map<Integer, Map<String, Long>>> ownersAsSeenBy(int i, Duration deadline) {
    if (!alive(i)) {
      return Optional.empty();
    }
    try {
      ListManagersResponse list =
          api(i, deadline).listManagers(ListManagersRequest.getDefaultInstance());
      Map<Integer, Map<String, Long>> out = new TreeMap<>();
      for (ManagerEntry m : list.getManagersList()) {
        Map<String, Long> owned = new TreeMap<>();
        m.getDvsList().forEach(d -> owned.put(d.getDvsId(), d.getEpoch()));
        out.put(Integer.parseInt(m.getManagerId().substring(1)), owned);
      }
      Map<String, Long> unowned = new TreeMap<>();
      list.getUnownedDvsIdsList().forEach(d -> unowned.put(d, 0L));
      out.put(-1, unowned);
      return Optional.of(out);
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  ManagedChannel channel(int i) {
    return channels[i];
  }

  /** A stub for manager i whose calls end within deadline. */
  ManagerServiceBlockingStub api(int i, Duration deadline) {
    return ManagerServiceGrpc.newBlockingStub(channels[i])
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** What manager i says of itself, empty when it does not answer within a second. */
  Optional<GetManagerInfoResponse> info(int i) {
    if (!alive(i)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          api(i, Duration.ofSeconds(1)).getManagerInfo(GetManagerInfoRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  /** The index of a manager that says it leads, or -1. */
  int leader() {
    for (int i = 0; i < size(); i++) {
      if (info(i).map(GetManagerInfoResponse::getLeader).orElse(false)) {
        return i;
      }
    }
    return -1;
  }

  /** Everything manager i wrote in its latest start. */
  String output(int i) {
    ChildProcess m = running.get(i);
    return m == null ? "" : m.output();
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      if (c != null) {
        c.shutdownNow();
      }
    }
    for (int i = 0; i < running.length(); i++) {
      if (alive(i)) {
        running.get(i).kill();
      }
    }
    proxies.forEach(own -> own.forEach(CuttableProxy::close));
  }
}
