package io.switchplane.it.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP proxy between the manager and one agent that a test can cut for real, at a precise
 * moment: {@link #cutAfterNextResponse()} lets the agent's next complete gRPC answer through (it
 * reads the HTTP/2 frames the agent sends and waits for a HEADERS frame with END_STREAM, the
 * trailers that end a unary answer), then closes every connection and refuses new ones, as a change
 * that broke the management path would; {@link #cutBeforeNextResponse()} cuts instead of forwarding
 * the next answer's first HEADERS frame (the request was carried out, its answer is lost). {@link
 * #restore()} lets traffic through again.
 *
 * <p>{@link #cutSilentlyAfterNextResponse()} cuts the way a wrong VLAN does: nothing is closed or
 * refused, every byte is dropped. Connections open at the cut, or opened during it, stay silent for
 * good (the worst case: no TCP retransmission revives them); only connections made after {@link
 * #restore()} carry traffic again.
 *
 * <p>{@link #startBytes} makes a proxy for any TCP protocol (ZooKeeper's, say): it forwards bytes
 * without reading frames, and is cut on the test's word, at once: {@link #cut()} closes and refuses
 * like a link that went down, {@link #cutSilently()} drops like a partition.
 */
public final class CuttableProxy implements AutoCloseable {
  private static final int HTTP2_HEADERS = 0x1;
  private static final int END_STREAM = 0x1;

  private final ServerSocket listener;
  private final InetSocketAddress target;

  /** Whether answers are read as HTTP/2 frames (the armed cuts need them), or passed as bytes. */
  private final boolean frames;

  /** Manager-side sockets, closed gently on a cut; agent-side ones, closed at once. */
  private final List<Socket> clients = new CopyOnWriteArrayList<>();

  private final List<Socket> servers = new CopyOnWriteArrayList<>();
  private volatile boolean armed;
  private volatile boolean armedBefore;
  private volatile boolean armedSilent;
  private volatile boolean cut;

  /** Silent cut in force: new connections are accepted and ignored. */
  private volatile boolean silent;

  /** Connections that drop everything (made before or during a silent cut). */
  private final Set<Socket> dead = ConcurrentHashMap.newKeySet();

  private volatile CountDownLatch cutDone = new CountDownLatch(1);
  private final Thread acceptor;

  private CuttableProxy(ServerSocket listener, InetSocketAddress target, boolean frames) {
    this.listener = listener;
    this.target = target;
    this.frames = frames;
    this.acceptor = new Thread(this::acceptLoop, "proxy-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
  }

  /** A proxy on a free loopback port forwarding to targetPort on loopback. */
  public static CuttableProxy start(int targetPort) {
    return start(targetPort, true);
  }

  /**
   * A proxy on a free loopback port forwarding any TCP protocol to targetPort on loopback, cut only
   * by {@link #cut()} or {@link #cutSilently()}.
   */
  public static CuttableProxy startBytes(int targetPort) {
    return start(targetPort, false);
  }

  private static CuttableProxy start(int targetPort, boolean frames) {
    try {
      ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      CuttableProxy p =
          new CuttableProxy(
              s, new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), frames);
      p.acceptor.start();
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String endpoint() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  /** Cuts when the next answer from the agent starts, so that not a byte of it gets through. */
  public void cutBeforeNextResponse() {
    cutDone = new CountDownLatch(1);
    armedSilent = false;
    armedBefore = true;
  }

  /** Lets the next complete answer from the agent through, then cuts. */
  public void cutAfterNextResponse() {
    cutDone = new CountDownLatch(1);
    armedSilent = false;
    armed = true;
  }

  /**
   * Lets the next complete answer from the agent through, then drops every byte without closing
   * anything.
   */
  public void cutSilentlyAfterNextResponse() {
    cutDone = new CountDownLatch(1);
    armedSilent = true;
    armed = true;
  }

  /** Cuts now: every connection closed, new ones refused, as when the link goes down. */
  public void cut() {
    armedSilent = false;
    cutNow();
  }

  /**
   * Cuts now without a word: every byte dropped, nothing closed, new connections accepted and
   * ignored, as in a network partition; the ends learn of it only from their own timeouts.
   */
  public void cutSilently() {
    armedSilent = true;
    cutNow();
  }

  /** Whether the cut happened within timeout. */
  public boolean awaitCut(long timeout, TimeUnit unit) throws InterruptedException {
    return cutDone.await(timeout, unit);
  }

  /** Traffic passes again (new connections are accepted). */
  public void restore() {
    armed = false;
    armedBefore = false;
    cut = false;
    silent = false;
  }

  private void cutNow() {
    armed = false;
    armedBefore = false;
    if (armedSilent) {
      silent = true;
      dead.addAll(clients);
      dead.addAll(servers);
      cutDone.countDown();
      return;
    }
    cut = true;
    for (Socket s : servers) {
      closeQuietly(s);
    }
    servers.clear();
    // Toward the manager: a FIN after everything forwarded, so the answer that got through is
    // never lost to a reset; its pump reads on until the manager closes its side.
    for (Socket s : clients) {
      try {
        s.shutdownOutput();
      } catch (IOException e) {
        closeQuietly(s);
      }
    }
    clients.clear();
    cutDone.countDown();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (cut) {
        closeQuietly(client);
        continue;
      }
      if (silent) {
        dead.add(client); // the SYN got through, nothing else will
        fromManager(client, client);
        continue;
      }
      try {
        Socket server = new Socket(target.getAddress(), target.getPort());
        clients.add(client);
        servers.add(server);
        fromManager(client, server);
        fromAgent(server, client);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void fromManager(Socket client, Socket server) {
    daemon(
        () -> {
          byte[] buf = new byte[16 * 1024];
          boolean forwarding = true;
          try (InputStream in = client.getInputStream()) {
            OutputStream out = server.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
              if (forwarding && !dead.contains(client)) {
                try {
                  out.write(buf, 0, n);
                } catch (IOException e) {
                  forwarding =
                      false; // cut: the agent side is gone; drain the manager until it hangs up
                }
              }
            }
          } catch (IOException e) {
            // The manager side closed.
          } finally {
            closeQuietly(client);
            closeQuietly(server);
          }
        });
  }

  private void fromAgent(Socket server, Socket client) {
    daemon(
        () -> {
          try (InputStream in = server.getInputStream()) {
            if (frames) {
              forwardFrames(in, client.getOutputStream(), server);
            } else {
              forwardBytes(in, client.getOutputStream(), server);
            }
          } catch (IOException e) {
            // A closed side ends the pump: that is how a cut looks from here.
          } finally {
            closeQuietly(server);
            if (!cut) {
              closeQuietly(client);
            }
          }
        });
  }

  private static void daemon(Runnable r) {
    Thread t = new Thread(r, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Forwards whole HTTP/2 frames (9-byte header, 24-bit length) and cuts after the armed trailers.
   */
  private void forwardFrames(InputStream in, OutputStream out, Socket server) throws IOException {
    byte[] header = new byte[9];
    while (in.readNBytes(header, 0, 9) == 9) {
      int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
      byte[] payload = in.readNBytes(length);
      if (payload.length != length) {
        return;
      }
      if (dead.contains(server)) {
        continue;
      }
      if (armedBefore && (header[3] & 0xff) == HTTP2_HEADERS) {
        cutNow();
        return;
      }
      out.write(header);
      out.write(payload);
      out.flush();
      boolean trailers = (header[3] & 0xff) == HTTP2_HEADERS && (header[4] & END_STREAM) != 0;
      if (trailers && armed) {
        boolean keepReading = armedSilent;
        cutNow();
        if (!keepReading) {
          return;
        }
      }
    }
  }

  /** Forwards bytes as they come, dropping them once the connection is dead. */
  private void forwardBytes(InputStream in, OutputStream out, Socket server) throws IOException {
    byte[] buf = new byte[16 * 1024];
    for (int n; (n = in.read(buf)) >= 0; ) {
      if (!dead.contains(server)) {
        out.write(buf, 0, n);
        out.flush();
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Already closed.
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException e) {
      // Already closed.
    }
    armedSilent = false;
    cutNow();
    dead.forEach(CuttableProxy::closeQuietly);
    dead.clear();
  }
}
