package io.switchplane.manager.snapshot.agents;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.switchplane.api.v1.AgentSnapshotServiceGrpc;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.DvsSnapshot;
import io.switchplane.api.v1.GetSnapshotCopyRequest;
import io.switchplane.api.v1.GetSnapshotCopyResponse;
import io.switchplane.api.v1.Host;
import io.switchplane.api.v1.ListSnapshotCopiesRequest;
import io.switchplane.api.v1.ListSnapshotCopiesResponse;
import io.switchplane.api.v1.SnapshotContent;
import io.switchplane.api.v1.SnapshotInfo;
import io.switchplane.common.snapshot.SnapshotCodec;
import io.switchplane.manager.agents.AgentChannels;
import io.switchplane.manager.snapshot.Recovery.AgentCopies.Collected;
import io.switchplane.manager.snapshot.Recovery.AgentCopies.Found;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The collector alone, against agents that are stand-ins on real loopback gRPC: a damaged copy is
 * skipped for an intact one of the same snapshot on another host, and when no intact copy of the
 * newest snapshot exists, the next older one is taken.
 */
class AgentCopyCollectorTest {
  private final List<Server> servers = new ArrayList<>();
  private final AgentChannels channels = new AgentChannels();

  @AfterEach
  void stop() throws InterruptedException {
    channels.close();
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aDamagedCopyIsSkippedForAnIntactOneOnAnotherHost() throws IOException {
    FakeAgent a = start("h1");
    FakeAgent b = start("h2");
    List<Host> hosts = List.of(host("h1", a), host("h2", b));
    DvsSnapshot gen5 = snapshot("s5", 5, hosts);
    // Only the seed h1 is given; h2 is learnt from h1's intact older copy, then holds the newest
    // intact.
    a.hold(damaged(gen5));
    a.hold(snapshot("s4", 4, hosts));
    b.hold(gen5);

    Collected c = new AgentCopyCollector(channels).collect(List.of(a.endpoint));

    assertThat(c.switches())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.chosen().getInfo().getId()).isEqualTo("s5");
              assertThat(SnapshotCodec.open(f.chosen()).getDvs().getGeneration()).isEqualTo(5);
              assertThat(f.agreeing()).containsExactlyInAnyOrder("h1", "h2");
            });
    assertThat(b.gets)
        .as("h2 was found through the snapshot h1 listed and asked for its copy")
        .containsOnly("s5");
    assertThat(c.unreachable()).isEmpty();
  }

  @Test
  void withNoIntactCopyOfTheNewestTheNextOlderSnapshotIsTaken() throws IOException {
    FakeAgent a = start("h1");
    List<Host> hosts = List.of(host("h1", a));
    DvsSnapshot gen5 = snapshot("s5", 5, hosts);
    DvsSnapshot gen4 = snapshot("s4", 4, hosts);
    a.hold(damaged(gen5));
    a.hold(gen4);

    Found f = new AgentCopyCollector(channels).collect(List.of(a.endpoint)).switches().get(0);

    assertThat(f.chosen().getInfo().getId()).isEqualTo("s4");
    assertThat(f.disagreeing())
        .as("its newest copy is the damaged one")
        .singleElement()
        .asString()
        .startsWith("h1 (newest: s5");
  }

  private FakeAgent start(String name) throws IOException {
    FakeAgent agent = new FakeAgent(name);
    Server s =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(agent)
            .build()
            .start();
    servers.add(s);
    agent.endpoint = "127.0.0.1:" + ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
    return agent;
  }

  private static Host host(String name, FakeAgent agent) {
    return Host.newBuilder().setId("id-" + name).setName(name).setEndpoint(agent.endpoint).build();
  }

  private static DvsSnapshot snapshot(String id, long generation, List<Host> hosts) {
    return SnapshotCodec.seal(
        SnapshotInfo.newBuilder()
            .setId(id)
            .setName(id)
            .setDvsId("dvs-1")
            .setDvsName("sw")
            .setGeneration(generation)
            .setTakenUnixMs(generation * 1000)
            .build(),
        SnapshotContent.newBuilder()
            .setDvs(
                Dvs.newBuilder()
                    .setId("dvs-1")
                    .setName("sw")
                    .setGeneration(generation)
                    .addUplinks("uplink1"))
            .addAllHosts(hosts)
            .build());
  }

  /** The same info over content with one byte flipped: the checksum no longer matches. */
  private static DvsSnapshot damaged(DvsSnapshot s) {
    byte[] bytes = s.getContent().toByteArray();
    bytes[bytes.length / 2] ^= 0x5a;
    return s.toBuilder().setContent(ByteString.copyFrom(bytes)).build();
  }

  /** An agent's snapshot service holding given copies, counting the copies asked for. */
  private static final class FakeAgent
      extends AgentSnapshotServiceGrpc.AgentSnapshotServiceImplBase {
    final String name;
    final Map<String, DvsSnapshot> copies = new ConcurrentHashMap<>();
    final List<String> gets = new java.util.concurrent.CopyOnWriteArrayList<>();
    String endpoint;

    FakeAgent(String name) {
      this.name = name;
    }

    void hold(DvsSnapshot s) {
      copies.put(s.getInfo().getId(), s);
    }

    @Override
    public void listSnapshotCopies(
        ListSnapshotCopiesRequest r, StreamObserver<ListSnapshotCopiesResponse> out) {
      List<SnapshotInfo> infos =
          new ArrayList<>(copies.values().stream().map(DvsSnapshot::getInfo).toList());
      infos.sort(SnapshotCodec.NEWEST_FIRST);
      out.onNext(
          ListSnapshotCopiesResponse.newBuilder().addAllSnapshots(infos).setHostName(name).build());
      out.onCompleted();
    }

    @Override
    public void getSnapshotCopy(
        GetSnapshotCopyRequest r, StreamObserver<GetSnapshotCopyResponse> out) {
      gets.add(r.getSnapshotId());
      DvsSnapshot s = copies.get(r.getSnapshotId());
      if (s == null) {
        out.onError(
            Status.NOT_FOUND.withDescription("no copy " + r.getSnapshotId()).asRuntimeException());
        return;
      }
      out.onNext(GetSnapshotCopyResponse.newBuilder().setSnapshot(s).build());
      out.onCompleted();
    }
  }
}
