package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.switchplane.manager.ManagerConfig;
import io.switchplane.manager.SwitchplaneManager;
import io.switchplane.manager.secrets.SecretBox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Two managers in the test's JVM on one ZooKeeper, plaintext: "a", the cluster leader (started
 * first, leadership awaited), and "b", a standby. They share the key file that seals the cluster's
 * secrets, as the managers of one cluster must. Closing stops the standby first.
 */
final class LeaderAndStandby implements AutoCloseable {
  private final List<SwitchplaneManager> managers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  private LeaderAndStandby() {}

  /** Starts both under dir (a data directory each), each config passed through tune. */
  static LeaderAndStandby start(Path dir, String zookeeper, UnaryOperator<ManagerConfig> tune)
      throws IOException {
    LeaderAndStandby pair = new LeaderAndStandby();
    Path key = dir.resolve("managers.key");
    new SecretBox(key).seal("", "make the key file");
    for (String name : List.of("a", "b")) {
      Path data = Files.createDirectories(dir.resolve(name));
      Files.copy(key, data.resolve("vcenter-secret.key"), StandardCopyOption.REPLACE_EXISTING);
      SwitchplaneManager m =
          new SwitchplaneManager(
                  tune.apply(
                      ManagerConfig.local(data)
                          .withZookeeper(zookeeper)
                          .withInsecurePlaintext(true)
                          .withManagerId(name)))
              .start();
      pair.managers.add(m);
      if (pair.managers.size() == 1) {
        assertThat(m.awaitLeadership(Duration.ofSeconds(30))).isTrue();
      }
      pair.channels.add(NettyChannelBuilder.forTarget(m.endpoint()).usePlaintext().build());
    }
    assertThat(pair.managers.get(1).isLeader()).isFalse();
    return pair;
  }

  /** The channel to manager i: 0 the leader, 1 the standby. */
  ManagedChannel channel(int i) {
    return channels.get(i);
  }

  List<ManagedChannel> channels() {
    return List.copyOf(channels);
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    for (int i = managers.size() - 1; i >= 0; i--) {
      managers.get(i).close();
    }
  }
}
