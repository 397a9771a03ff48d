package io.switchplane.manager.zk;

import io.switchplane.common.error.ErrorCode;
import io.switchplane.common.error.SwitchplaneException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node ZooKeeper server in this JVM (ZooKeeper's own {@link
 * ZooKeeperServerEmbedded}), with its snapshots and transaction log on disk under a data directory,
 * listening on 127.0.0.1 only. The manager's default when no ensemble is given; a restart on the
 * same directory finds the data again.
 *
 * <p>Needs metrics-core and snappy-java on the class path (without snappy it hangs at start).
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
  private static final long START_TIMEOUT_MS = 30_000;
  private static final String HOST = "127.0.0.1";

  private final ZooKeeperServerEmbedded server;
  private final int port;
  private final Path dir;

  private EmbeddedZooKeeper(ZooKeeperServerEmbedded server, int port, Path dir) {
    this.server = server;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts a server with its data in dir (created if missing) on 127.0.0.1:port; port 0 picks a
   * free one. UNAVAILABLE when it cannot start.
   */
  public static EmbeddedZooKeeper start(Path dir, int port) {
    try {
      Files.createDirectories(dir);
      removeOldConfigs(dir);
      int chosen = port == 0 ? freePort() : port;
      Properties p = new Properties();
      p.setProperty("dataDir", dir.resolve("data").toAbsolutePath().toString());
      p.setProperty("clientPort", Integer.toString(chosen));
      p.setProperty("clientPortAddress", HOST);
      p.setProperty("tickTime", "2000");
      // No Jetty admin server on 8080, no four-letter words: nothing listens beyond the client
      // port.
      p.setProperty("admin.enableServer", "false");
      p.setProperty("4lw.commands.whitelist", "");
      ZooKeeperServerEmbedded server =
          ZooKeeperServerEmbedded.builder()
              .baseDir(dir.toAbsolutePath())
              .configuration(p)
              // Never System.exit() the manager's JVM because ZooKeeper failed.
              .exitHandler(ExitHandler.LOG_ONLY)
              .build();
      server.start(START_TIMEOUT_MS);
      LOG.info("embedded ZooKeeper on {}:{} with data in {}", HOST, chosen, dir);
      return new EmbeddedZooKeeper(server, chosen, dir);
    } catch (IOException e) {
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE, "embedded ZooKeeper in " + dir + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE, "interrupted while starting embedded ZooKeeper", e);
    } catch (Exception e) {
      // ZooKeeperServerEmbedded declares `throws Exception` on build() and start().
      throw new SwitchplaneException(
          ErrorCode.UNAVAILABLE, "embedded ZooKeeper did not start in " + dir + ": " + e, e);
    }
  }

  /** host:port for clients. */
  public String connectString() {
    return HOST + ":" + port;
  }

  public int port() {
    return port;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    server.close();
    LOG.info("embedded ZooKeeper on {}:{} stopped", HOST, port);
  }

  /** The embedded server writes a fresh config file at every boot; keep only the current one. */
  private static void removeOldConfigs(Path dir) throws IOException {
    try (DirectoryStream<Path> old =
        Files.newDirectoryStream(dir, "zookeeper.configuration*.properties")) {
      for (Path f : old) {
        Files.deleteIfExists(f);
      }
    }
  }

  /** A port free right now. ZooKeeper cannot report a port it chose itself, so we choose. */
  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + HOST, e);
    }
  }
}
