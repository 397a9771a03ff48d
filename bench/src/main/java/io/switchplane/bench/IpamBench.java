package io.switchplane.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.AllocateAddressRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreateSubnetRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.IpamServiceGrpc;
import io.switchplane.api.v1.IpamServiceGrpc.IpamServiceBlockingStub;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.Subnet;
import io.switchplane.cli.run.TempDirs;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.secrets.SecretBox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `switchplane bench ipam`: address allocation with many parallel clients spread over one or two
 * managers (leader and standby) on one embedded ZooKeeper, all in this JVM on real loopback gRPC.
 * Every allocation is checked: a duplicate address fails the bench.
 */
@Command(
    name = "ipam",
    mixinStandardHelpOptions = true,
    description = {
      "Measure IP address allocation: allocations per second and p50/p99 latency with N parallel "
          + "clients spread over the managers (each allocation one ZooKeeper transaction; a "
          + "duplicate address fails the bench)."
    })
public final class IpamBench implements Callable<Integer> {
  @Option(names = "--clients", description = "Parallel clients, default ${DEFAULT-VALUE}.")
  int clients = 64;

  @Option(
      names = "--allocations",
      description = "Timed allocations in all, default ${DEFAULT-VALUE}.")
  int allocations = 6_400;

  @Option(names = "--managers", description = "1 or 2 managers, default ${DEFAULT-VALUE}.")
  int managers = 2;

  @Option(names = "--ipv6", description = "Allocate from an IPv6 /64 instead of an IPv4 /16.")
  boolean ipv6;

  @Override
  public Integer call() throws Exception {
    if (managers < 1 || managers > 2 || clients < 1 || allocations < clients) {
      throw new IllegalArgumentException(
          "--managers is 1 or 2, --clients at least 1, --allocations at least --clients");
    }
    Path dir = Files.createTempDirectory("switchplane-bench-ipam");
    List<SwitchplaneManager> started = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      Path key = dir.resolve("managers.key");
      new SecretBox(key).seal("", "make the key file");
      String zookeeper = null;
      for (int i = 0; i < managers; i++) {
        Path data = Files.createDirectories(dir.resolve("manager-" + i));
        Files.copy(key, data.resolve("vcenter-secret.key"), StandardCopyOption.REPLACE_EXISTING);
        ManagerConfig config = ManagerConfig.local(data).withInsecurePlaintext(true);
        SwitchplaneManager m =
            new SwitchplaneManager(zookeeper == null ? config : config.withZookeeper(zookeeper))
                .start();
        started.add(m);
        if (zookeeper == null) {
          if (!m.awaitLeadership(Duration.ofSeconds(30))) {
            throw new IllegalStateException("no leadership within 30 s");
          }
          zookeeper = m.zookeeper();
        }
        channels.add(NettyChannelBuilder.forTarget(m.endpoint()).usePlaintext().build());
      }
      seed(ManagerServiceGrpc.newBlockingStub(channels.get(0)), channels.get(0));
      IpamServiceBlockingStub[] stubs =
          channels.stream()
              .map(IpamServiceGrpc::newBlockingStub)
              .toArray(IpamServiceBlockingStub[]::new);
      System.out.printf(
          "bench ipam: %d clients over %d manager(s), %,d allocations from an %s, %d cores%n",
          clients,
          managers,
          allocations,
          ipv6 ? "IPv6 /64" : "IPv4 /16",
          Runtime.getRuntime().availableProcessors());
      Set<String> addresses = new HashSet<>();
      run(stubs, Math.max(clients, allocations / 10), null, addresses); // warm-up
      long[] latencies = new long[allocations];
      long t0 = System.nanoTime();
      run(stubs, allocations, latencies, addresses);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Arrays.sort(latencies);
      System.out.printf(
          "allocations: %,d in %.2f s = %,.0f per second; latency p50 %.1f ms, p99 %.1f ms, "
              + "max %.1f ms; duplicates 0 (%,d distinct addresses)%n",
          allocations,
          seconds,
          allocations / seconds,
          latencies[allocations / 2] / 1e6,
          latencies[(int) Math.min(allocations - 1, Math.ceil(allocations * 0.99) - 1)] / 1e6,
          latencies[allocations - 1] / 1e6,
          addresses.size());
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
      for (int i = started.size() - 1; i >= 0; i--) {
        started.get(i).close();
      }
      TempDirs.deleteTree(dir);
    }
    return 0;
  }

  /** A DVS with two members and a port group carrying the bench subnet. */
  private void seed(ManagerServiceBlockingStub api, ManagedChannel channel) {
    api.createDvs(CreateDvsRequest.newBuilder().setName("bench").build());
    api.createPortGroup(
        CreatePortGroupRequest.newBuilder()
            .setDvs("bench")
            .setPortGroup(PortGroup.newBuilder().setName("vms"))
            .build());
    for (int i = 0; i < 2; i++) {
      // Hosts without agents: the bench measures the manager's side only.
      api.registerHost(
          RegisterHostRequest.newBuilder().setName("esx" + i).setEndpoint("127.0.0.1:9").build());
      api.addDvsMember(
          AddDvsMemberRequest.newBuilder()
              .setDvs("bench")
              .setMember(HostMember.newBuilder().setHostId("esx" + i))
              .build());
    }
    IpamServiceGrpc.newBlockingStub(channel)
        .createSubnet(
            CreateSubnetRequest.newBuilder()
                .setSubnet(
                    Subnet.newBuilder()
                        .setName("bench")
                        .setCidr(ipv6 ? "2001:db8:b::/64" : "10.0.0.0/16")
                        .setGateway(ipv6 ? "2001:db8:b::1" : "10.0.0.1")
                        .setNetwork(L2Network.newBuilder().setDvs("bench").setPortGroup("vms")))
                .build());
  }

  /**
   * count allocations by the clients, client i through manager i % managers; each latency into
   * latencies when given, each address into all. Fails on any error or duplicate.
   */
  private void run(IpamServiceBlockingStub[] stubs, int count, long[] latencies, Set<String> all)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<String>>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        done.add(
            pool.submit(
                () -> {
                  List<String> got = new ArrayList<>();
                  IpamServiceBlockingStub stub = stubs[client % stubs.length];
                  start.await();
                  for (int i = client; i < count; i += clients) {
                    long t = System.nanoTime();
                    got.add(
                        stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                            .allocateAddress(
                                AllocateAddressRequest.newBuilder().setSubnet("bench").build())
                            .getRecord()
                            .getAddress());
                    if (latencies != null) {
                      latencies[i] = System.nanoTime() - t;
                    }
                  }
                  return got;
                }));
      }
      start.countDown();
      for (Future<List<String>> f : done) {
        for (String a : f.get(10, TimeUnit.MINUTES)) {
          if (!all.add(a)) {
            throw new IllegalStateException("address " + a + " was handed out twice");
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
