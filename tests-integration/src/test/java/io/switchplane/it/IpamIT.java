package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.AddSubnetNetworkRequest;
import io.switchplane.api.v1.AddressRange;
import io.switchplane.api.v1.AddressSource;
import io.switchplane.api.v1.AllocateAddressRequest;
import io.switchplane.api.v1.AllocateAddressResponse;
import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.CreatePortGroupRequest;
import io.switchplane.api.v1.CreatePortRequest;
import io.switchplane.api.v1.CreateSubnetRequest;
import io.switchplane.api.v1.DeleteSubnetRequest;
import io.switchplane.api.v1.FixNicAddressRequest;
import io.switchplane.api.v1.GetSubnetRequest;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.IpamServiceGrpc;
import io.switchplane.api.v1.IpamServiceGrpc.IpamServiceBlockingStub;
import io.switchplane.api.v1.L2Network;
import io.switchplane.api.v1.ListNicRecordsRequest;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.NicRecord;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.RegisterHostRequest;
import io.switchplane.api.v1.ReleaseAddressRequest;
import io.switchplane.api.v1.RemoveSubnetNetworkRequest;
import io.switchplane.api.v1.Subnet;
import io.switchplane.api.v1.VmNic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * IP subnets against two managers (leader and standby) on one ZooKeeper: many clients allocate at
 * once through both and no address is handed out twice; exhaustion, IPv6, host choice, fixed
 * addresses and every refusal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IpamIT {
  private static final int THREADS = 64;
  private static final int PER_THREAD = 50;

  @TempDir static Path dir;
  private TestingServer zk;
  private LeaderAndStandby managers;
  private IpamServiceBlockingStub[] ipam;

  @BeforeAll
  void setUp() throws Exception {
    zk = new TestingServer(true);
    managers = LeaderAndStandby.start(dir, zk.getConnectString(), c -> c);
    ipam =
        managers.channels().stream()
            .map(IpamServiceGrpc::newBlockingStub)
            .toArray(IpamServiceBlockingStub[]::new);
    seed(ManagerServiceGrpc.newBlockingStub(managers.channel(0)));
  }

  /**
   * DVS "sw" with port groups web, db and other; members esx0 (two ports) and esx1 (one); VM "vm-1"
   * has a NIC on web, "vm-2" two NICs (web, db).
   */
  private static void seed(ManagerServiceBlockingStub api) {
    api.createDvs(CreateDvsRequest.newBuilder().setName("sw").build());
    for (String pg : List.of("web", "db", "other")) {
      api.createPortGroup(
          CreatePortGroupRequest.newBuilder()
              .setDvs("sw")
              .setPortGroup(PortGroup.newBuilder().setName(pg))
              .build());
    }
    for (int i = 0; i < 2; i++) {
      api.registerHost(
          RegisterHostRequest.newBuilder().setName("esx" + i).setEndpoint("127.0.0.1:1").build());
      api.addDvsMember(
          AddDvsMemberRequest.newBuilder()
              .setDvs("sw")
              .setMember(HostMember.newBuilder().setHostId("esx" + i))
              .build());
    }
    port(api, "p1", "web", "esx0", "vm-1", "00:50:56:00:00:01");
    port(api, "p2", "web", "esx0", "vm-2", "00:50:56:00:00:02");
    port(api, "p3", "db", "esx1", "vm-2", "00:50:56:00:00:03");
  }

  private static void port(
      ManagerServiceBlockingStub api, String key, String pg, String host, String vm, String mac) {
    api.createPort(
        CreatePortRequest.newBuilder()
            .setDvs("sw")
            .setPort(
                Port.newBuilder()
                    .setKey(key)
                    .setPortGroupId(pg)
                    .setHostId(host)
                    .setConnectee(
                        Connectee.newBuilder()
                            .setVmNic(VmNic.newBuilder().setVmUuid(vm).setMac(mac))))
            .build());
  }

  @AfterAll
  void tearDown() throws Exception {
    if (managers != null) {
      managers.close();
    }
    zk.close();
  }

  private static L2Network net(String pg) {
    return L2Network.newBuilder().setDvs("sw").setPortGroup(pg).build();
  }

  private Subnet create(int manager, Subnet.Builder s) {
    return ipam[manager]
        .createSubnet(CreateSubnetRequest.newBuilder().setSubnet(s).build())
        .getSubnet();
  }

  private AllocateAddressResponse allocate(int manager, String subnet) {
    return ipam[manager]
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .allocateAddress(AllocateAddressRequest.newBuilder().setSubnet(subnet).build());
  }

  private static StatusRuntimeException refused(Runnable call) {
    return catchThrowableOfType(StatusRuntimeException.class, call::run);
  }

  private static void assertRefused(Runnable call, Status.Code code, String message) {
    StatusRuntimeException e = refused(call);
    assertThat(e).as("refused with %s", code).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).contains(message);
  }

  @Test
  void parallelAllocationThroughTwoManagersNeverHandsOutAnAddressTwice() throws Exception {
    create(
        1,
        Subnet.newBuilder()
            .setName("big")
            .setCidr("10.10.0.0/20")
            .setGateway("10.10.0.1")
            .addDnsServers("10.10.0.2")
            .setNetwork(net("web")));
    Map<String, Integer> holders = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> duplicates = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      done.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < PER_THREAD; i++) {
                  try {
                    String ip = allocate(thread % 2, "big").getRecord().getAddress();
                    if (holders.putIfAbsent(ip, thread) != null) {
                      duplicates.add(ip);
                    }
                  } catch (RuntimeException e) {
                    failures.add(e);
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(5, TimeUnit.MINUTES);
    }
    pool.shutdown();
    assertThat(failures).isEmpty();
    assertThat(duplicates).isEmpty();
    assertThat(holders).hasSize(THREADS * PER_THREAD);
    assertThat(holders.keySet()).allMatch(ip -> ip.startsWith("10.10.") && !ip.equals("10.10.0.1"));
    var usage =
        ipam[0].getSubnet(GetSubnetRequest.newBuilder().setSubnet("big").build()).getUsage();
    assertThat(usage.getUsed()).isEqualTo(THREADS * PER_THREAD);
    assertThat(usage.getFree()).isEqualTo(Integer.toString(4093 - THREADS * PER_THREAD));
    List<NicRecord> records =
        ipam[1]
            .listNicRecords(ListNicRecordsRequest.newBuilder().setSubnet("big").build())
            .getRecordsList();
    assertThat(records).hasSize(THREADS * PER_THREAD);
  }

  @Test
  void exhaustionReleaseAndReuseAcrossManagers() throws Exception {
    create(
        0,
        Subnet.newBuilder()
            .setName("tiny")
            .setCidr("10.20.0.0/29")
            .setGateway("10.20.0.1")
            .setNetwork(net("db")));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<String>> tries = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      int manager = i % 2;
      tries.add(
          pool.submit(
              () -> {
                try {
                  return allocate(manager, "tiny").getRecord().getAddress();
                } catch (StatusRuntimeException e) {
                  return e.getStatus().getCode().name();
                }
              }));
    }
    List<String> results = new ArrayList<>();
    for (Future<String> f : tries) {
      results.add(f.get(1, TimeUnit.MINUTES));
    }
    pool.shutdown();
    assertThat(results.stream().filter(r -> r.startsWith("10.")).distinct())
        .containsExactlyInAnyOrder("10.20.0.2", "10.20.0.3", "10.20.0.4", "10.20.0.5", "10.20.0.6");
    assertThat(results.stream().filter(r -> !r.startsWith("10.")))
        .hasSize(11)
        .containsOnly("RESOURCE_EXHAUSTED");
    assertRefused(() -> allocate(0, "tiny"), Status.Code.RESOURCE_EXHAUSTED, "no free address");
    // Released through one manager, handed out again by the other (which thought the pool full).
    ipam[1].releaseAddress(
        ReleaseAddressRequest.newBuilder().setSubnet("tiny").setAddress("10.20.0.4").build());
    assertThat(allocate(0, "tiny").getRecord().getAddress()).isEqualTo("10.20.0.4");
    assertRefused(
        () ->
            ipam[0].releaseAddress(
                ReleaseAddressRequest.newBuilder()
                    .setSubnet("tiny")
                    .setAddress("10.20.0.7")
                    .build()),
        Status.Code.NOT_FOUND,
        "10.20.0.7 is not taken");
    assertRefused(
        () -> ipam[1].deleteSubnet(DeleteSubnetRequest.newBuilder().setSubnet("tiny").build()),
        Status.Code.FAILED_PRECONDITION,
        "holds 5 addresses");
  }

  @Test
  void ipv6AndTheHostChoice() {
    create(
        1,
        Subnet.newBuilder()
            .setName("v6")
            .setCidr("2001:db8:1::/64")
            .setGateway("2001:db8:1::1")
            .addDnsServers("2001:db8:1::53")
            .setNetwork(net("other")));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      AllocateAddressResponse r = allocate(i % 2, "v6");
      assertThat(seen.add(r.getRecord().getAddress())).isTrue();
      assertThat(r.getPrefixLength()).isEqualTo(64);
      assertThat(r.getGateway()).isEqualTo("2001:db8:1::1");
      assertThat(r.getDnsServersList()).containsExactly("2001:db8:1::53");
      // esx1 carries one port of sw, esx0 two: the fewest ports wins.
      assertThat(r.getHost()).isEqualTo("esx1");
    }
    assertThat(seen).contains("2001:db8:1::2").doesNotContain("2001:db8:1::1", "2001:db8:1::");
    var usage = ipam[0].getSubnet(GetSubnetRequest.newBuilder().setSubnet("v6").build()).getUsage();
    assertThat(usage.getFree())
        .isEqualTo(
            java.math.BigInteger.ONE
                .shiftLeft(64)
                .subtract(java.math.BigInteger.valueOf(102))
                .toString());
  }

  @Test
  void overlapIsRefusedPerNetworkEvenWhenCreatedConcurrently() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<String>> tries = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int n = i;
      tries.add(
          pool.submit(
              () -> {
                try {
                  create(
                      n % 2,
                      Subnet.newBuilder()
                          .setName("race-" + n)
                          .setCidr("10.30." + n + ".0/24")
                          .setNetwork(net("other")));
                  return "OK";
                } catch (StatusRuntimeException e) {
                  return e.getStatus().getCode().name();
                }
              }));
    }
    List<String> results = new ArrayList<>();
    for (Future<String> f : tries) {
      results.add(f.get(1, TimeUnit.MINUTES));
    }
    // Distinct /24s do not overlap: all made.
    assertThat(results).containsOnly("OK");
    List<Future<String>> overlapping = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int n = i;
      overlapping.add(
          pool.submit(
              () -> {
                try {
                  create(
                      n % 2,
                      Subnet.newBuilder()
                          .setName("wide-" + n)
                          .setCidr("10.40.0.0/" + (16 + n))
                          .setNetwork(net("db")));
                  return "OK";
                } catch (StatusRuntimeException e) {
                  return e.getStatus().getCode().name();
                }
              }));
    }
    results.clear();
    for (Future<String> f : overlapping) {
      results.add(f.get(1, TimeUnit.MINUTES));
    }
    pool.shutdown();
    assertThat(results.stream().filter("OK"::equals)).hasSize(1);
    assertThat(results.stream().filter(r -> !r.equals("OK"))).containsOnly("FAILED_PRECONDITION");
  }

  @Test
  void refusalsArePreciseAndChangeNothing() {
    Subnet web =
        create(
            0,
            Subnet.newBuilder()
                .setName("web")
                .setCidr("192.168.10.0/24")
                .setGateway("192.168.10.1")
                .addRanges(
                    AddressRange.newBuilder().setFirst("192.168.10.100").setLast("192.168.10.199"))
                .setNetwork(net("web")));
    assertThat(web.getRevision()).isEqualTo(1);
    assertRefused(
        () ->
            create(
                1,
                Subnet.newBuilder().setName("web").setCidr("172.16.0.0/24").setNetwork(net("web"))),
        Status.Code.ALREADY_EXISTS,
        "subnet 'web' exists");
    assertRefused(
        () ->
            create(
                1,
                Subnet.newBuilder()
                    .setName("web2")
                    .setCidr("192.168.0.0/16")
                    .setNetwork(net("web"))),
        Status.Code.FAILED_PRECONDITION,
        "overlaps subnet 'web' (192.168.10.0/24)");
    assertRefused(
        () ->
            create(
                1,
                Subnet.newBuilder().setName("x").setCidr("192.168.10.5/24").setNetwork(net("web"))),
        Status.Code.INVALID_ARGUMENT,
        "host bits set");
    assertRefused(
        () ->
            create(
                1,
                Subnet.newBuilder().setName("x").setCidr("10.99.0.0/24").setNetwork(net("nope"))),
        Status.Code.NOT_FOUND,
        "no port group 'nope'");
    assertRefused(
        () -> create(1, Subnet.newBuilder().setName("x").setCidr("10.99.0.0/24")),
        Status.Code.INVALID_ARGUMENT,
        "subnet.network is required");
    // The same range on another network is fine; joining web then is refused.
    create(
        1, Subnet.newBuilder().setName("db-side").setCidr("192.168.10.0/25").setNetwork(net("db")));
    assertRefused(
        () ->
            ipam[0].addSubnetNetwork(
                AddSubnetNetworkRequest.newBuilder()
                    .setSubnet("db-side")
                    .setNetwork(net("web"))
                    .build()),
        Status.Code.FAILED_PRECONDITION,
        "overlaps subnet 'web'");
    // An additional network: vm-2's db NIC may take web's addresses.
    ipam[1].addSubnetNetwork(
        AddSubnetNetworkRequest.newBuilder().setSubnet("web").setNetwork(net("other")).build());

    // Fix: records what an operator set on a VM NIC, checked against the NIC's networks.
    List<NicRecord> fixed =
        ipam[1]
            .fixNicAddress(
                FixNicAddressRequest.newBuilder()
                    .setVmUuid("vm-1")
                    .addAddresses("192.168.10.20")
                    .build())
            .getRecordsList();
    assertThat(fixed)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getSource()).isEqualTo(AddressSource.ADDRESS_SOURCE_FIXED);
              assertThat(r.getMac()).isEqualTo("00:50:56:00:00:01");
            });
    assertRefused(
        () -> fix("vm-9", "", "192.168.10.21"), Status.Code.NOT_FOUND, "VM 'vm-9' has no NIC");
    assertRefused(
        () -> fix("vm-2", "", "192.168.10.21"), Status.Code.FAILED_PRECONDITION, "has 2 NICs");
    assertRefused(
        () -> fix("vm-2", "00:50:56:00:00:09", "192.168.10.21"),
        Status.Code.NOT_FOUND,
        "no NIC with MAC 00:50:56:00:00:09");
    assertRefused(
        () -> fix("vm-2", "00:50:56:00:00:02", "192.168.10.20"),
        Status.Code.ALREADY_EXISTS,
        "192.168.10.20 is taken by VM vm-1 (MAC 00:50:56:00:00:01, fixed)");
    assertRefused(
        () -> fix("vm-2", "00:50:56:00:00:02", "10.77.0.1"),
        Status.Code.FAILED_PRECONDITION,
        "10.77.0.1 is in no subnet reachable from port group 'web' of DVS 'sw'");
    assertRefused(
        () -> fix("vm-2", "00:50:56:00:00:02", "192.168.10.1"),
        Status.Code.FAILED_PRECONDITION,
        "the gateway");
    // All or nothing: the free address of a refused call is not taken.
    assertRefused(
        () -> fix("vm-2", "00:50:56:00:00:02", "192.168.10.22", "192.168.10.20"),
        Status.Code.ALREADY_EXISTS,
        "192.168.10.20 is taken");
    assertThat(records("web")).extracting(NicRecord::getAddress).containsExactly("192.168.10.20");
    assertRefused(
        () -> fix("vm-2", "zz", "192.168.10.22"), Status.Code.INVALID_ARGUMENT, "not a MAC");
    assertRefused(
        () -> fix("vm-2", "00:50:56:00:00:02", "192.168.10.22", "192.168.10.022"),
        Status.Code.INVALID_ARGUMENT,
        "not an IPv4 or IPv6 address");
    // vm-2's db NIC does not reach web; through 'other' (additional) a VM there would.
    assertRefused(
        () -> fix("vm-2", "00:50:56:00:00:03", "192.168.10.200"),
        Status.Code.FAILED_PRECONDITION,
        "db-side 192.168.10.0/25");

    var removed =
        ipam[0].removeSubnetNetwork(
            RemoveSubnetNetworkRequest.newBuilder()
                .setSubnet("web")
                .setNetwork(net("other"))
                .build());
    assertThat(removed.getSubnet().getAdditionalNetworksList()).isEmpty();
    assertRefused(
        () ->
            ipam[0].removeSubnetNetwork(
                RemoveSubnetNetworkRequest.newBuilder()
                    .setSubnet("web")
                    .setNetwork(net("web"))
                    .build()),
        Status.Code.FAILED_PRECONDITION,
        "default network");
    assertRefused(() -> allocate(1, "nope"), Status.Code.NOT_FOUND, "subnet 'nope' not found");
    assertRefused(
        () ->
            ipam[1].allocateAddress(
                AllocateAddressRequest.newBuilder().setSubnet("web").setMac("bad").build()),
        Status.Code.INVALID_ARGUMENT,
        "not a MAC");
    // Allocation stays in the ranges.
    assertThat(allocate(1, "web").getRecord().getAddress()).isEqualTo("192.168.10.100");
  }

  private void fix(String vm, String mac, String... addresses) {
    ipam[0].fixNicAddress(
        FixNicAddressRequest.newBuilder()
            .setVmUuid(vm)
            .setMac(mac)
            .addAllAddresses(List.of(addresses))
            .build());
  }

  private List<NicRecord> records(String subnet) {
    return ipam[0]
        .listNicRecords(ListNicRecordsRequest.newBuilder().setSubnet(subnet).build())
        .getRecordsList();
  }
}
