package io.switchplane.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real ZooKeeper ensemble: N servers, each ZooKeeper's own {@code QuorumPeerMain} in a JVM of its
 * own with its zoo.cfg, myid and data directory, on fixed loopback ports so that a killed server
 * restarts where its peers and clients expect it. Which server leads is asked the way an operator
 * would, with the {@code srvr} four-letter word (whitelisted in zoo.cfg). Servers are killed with
 * SIGKILL by their process; {@link #close()} kills whatever still runs.
 *
 * <p>Ticks are short (250 ms) so that sessions of 2 s are allowed and a lost leader is replaced in
 * about a second; syncLimit leaves a follower 2 s to answer its leader on a busy machine.
 */
final class ZkEnsemble implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Every port {@link #freePorts} handed out in this JVM: never twice. */
  private static final java.util.Set<Integer> GIVEN =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static final String MAIN = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
  private static final int TICK_MS = 250;

  private final Path dir;
  private final int[] clientPorts;
  private final ChildProcess[] servers;

  private ZkEnsemble(Path dir, int size) {
    this.dir = dir;
    this.clientPorts = new int[size];
    this.servers = new ChildProcess[size];
  }

  /** Writes the configuration of size servers under dir and starts them all (not awaited). */
  static ZkEnsemble start(Path dir, int size) throws IOException {
    ZkEnsemble e = new ZkEnsemble(dir, size);
    e.configure();
    for (int i = 0; i < size; i++) {
      e.startServer(i);
    }
    return e;
  }

  private void configure() throws IOException {
    int n = clientPorts.length;
    List<String> peers = new ArrayList<>();
    int[] free = freePorts(3 * n);
    for (int i = 0; i < n; i++) {
      clientPorts[i] = free[3 * i];
      peers.add("server." + (i + 1) + "=127.0.0.1:" + free[3 * i + 1] + ":" + free[3 * i + 2]);
    }
    for (int i = 0; i < n; i++) {
      Path data = Files.createDirectories(serverDir(i).resolve("data"));
      Files.writeString(data.resolve("myid"), Integer.toString(i + 1));
      List<String> cfg = new ArrayList<>();
      cfg.add("tickTime=" + TICK_MS);
      cfg.add("initLimit=20");
      cfg.add("syncLimit=8");
      cfg.add("dataDir=" + data);
      cfg.add("clientPort=" + clientPorts[i]);
      cfg.add("clientPortAddress=127.0.0.1");
      cfg.add("minSessionTimeout=" + 2 * TICK_MS);
      cfg.add("maxSessionTimeout=60000");
      cfg.add("4lw.commands.whitelist=srvr,mntr,ruok");
      cfg.add("admin.enableServer=false");
      cfg.addAll(peers);
      Files.write(serverDir(i).resolve("zoo.cfg"), cfg);
    }
  }

  private Path serverDir(int i) {
    return dir.resolve("zk-" + (i + 1));
  }

  private void startServer(int i) throws IOException {
    servers[i] =
        ChildProcess.startMain(
            serverDir(i),
            List.of(
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.admin.enableServer=false"),
            MAIN,
            List.of(serverDir(i).resolve("zoo.cfg").toString()));
  }

  int size() {
    return clientPorts.length;
  }

  /** Every server, as a client connect string. */
  String connectString() {
    return IntStream.of(clientPorts)
        .mapToObj(p -> "127.0.0.1:" + p)
        .collect(Collectors.joining(","));
  }

  int clientPort(int i) {
    return clientPorts[i];
  }

  /** SIGKILL of server i; returns once it is gone. */
  void kill(int i) throws InterruptedException {
    servers[i].kill();
  }

  /** Starts server i again on its ports and data (not awaited: see {@link #awaitServing}). */
  void restart(int i) throws IOException {
    if (servers[i].process().isAlive()) {
      throw new IllegalStateException("server " + (i + 1) + " still runs");
    }
    startServer(i);
  }

  /**
   * The server's mode from {@code srvr}: "leader", "follower", or empty while it does not serve
   * (down, electing, or syncing with its leader).
   */
  Optional<String> mode(int i) {
    String out = fourLetterWord(clientPorts[i], "srvr");
    for (String line : out.split("\n")) {
      if (line.startsWith("Mode: ")) {
        return Optional.of(line.substring("Mode: ".length()).trim());
      }
    }
    return Optional.empty();
  }

  /** The index of the server that leads now, or -1. */
  int leader() {
    for (int i = 0; i < size(); i++) {
      if (mode(i).filter("leader"::equals).isPresent()) {
        return i;
      }
    }
    return -1;
  }

  /** Waits until every server serves as leader or follower. */
  void awaitServing(Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> IntStream.range(0, size()).allMatch(i -> mode(i).isPresent()));
  }

  /** Waits until server i serves (as leader or follower). */
  void awaitServing(int i, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> mode(i).isPresent());
  }

  /** The answer to a four-letter word, empty when the server does not answer. */
  private static String fourLetterWord(int port, String word) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      s.setSoTimeout(1_000);
      OutputStream out = s.getOutputStream();
      out.write(word.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * n distinct free loopback ports (held open together while chosen), below the kernel's ephemeral
   * range: a server restarted on its port must find it free, and a port the kernel may give to any
   * outgoing connection (a ZooKeeper client's, a proxy's) was once taken in between.
   */
  private static int[] freePorts(int n) {
    int below = ephemeralLow();
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = null;
        while (s == null) {
          int candidate = 10_000 + RANDOM.nextInt(below - 10_000);
          if (GIVEN.contains(candidate)) {
            continue; // given out before in this JVM; its process may not have bound it yet
          }
          try {
            s = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress());
          } catch (IOException taken) {
            // Someone listens there: draw again.
          }
        }
        GIVEN.add(s.getLocalPort());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException e) {
          // Closing a listener we opened.
        }
      }
    }
  }

  /** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
  private static int ephemeralLow() {
    try {
      // Not Files.readString: /proc reports a size of 0, and readString then returned "3" here,
      // which put every port into 10000-10099, where separate draws collided.
      String range =
          Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      return Math.max(10_100, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | NumberFormatException e) {
      return 32_768;
    }
  }

  /** One free loopback port. */
  static int freePort() {
    return freePorts(1)[0];
  }

  @Override
  public void close() throws InterruptedException {
    for (ChildProcess s : servers) {
      if (s != null && s.process().isAlive()) {
        s.kill();
      }
    }
  }
}
