package io.switchplane.it.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP proxy between the manager and one agent that a test can cut for real, at a precise
 * moment: {@link #cutAfterNextResponse()} lets the agent's next complete gRPC answer through, then
 * closes every connection and refuses new ones, as a change that broke the management path would;
 * {@link #cutBeforeNextResponse()} cuts instead of forwarding the next answer's first byte (the
 * request was carried out, its answer is lost). {@link #restore()} lets traffic through again.
 *
 * <p>An answer is found in the HTTP/2 frames, read in both directions. On a call the manager
 * half-closed (it sent END_STREAM: a unary or server-streaming call) an answer ends with the
 * agent's trailers (a HEADERS frame with END_STREAM). On a call the manager keeps open (a
 * bidirectional stream such as the push stream, where every answer is one message) an answer is one
 * gRPC length-prefixed message in the DATA frames: the cut comes right after its last byte, in the
 * middle of a DATA frame if another message follows in it, and before the first byte of the next
 * message. The manager's END_STREAM is seen before its frame is forwarded, so the agent can never
 * answer a call the proxy still takes for open.
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
  private static final int HTTP2_DATA = 0x0;
  private static final int HTTP2_HEADERS = 0x1;
  private static final int HTTP2_RST_STREAM = 0x3;
  private static final int END_STREAM = 0x1;
  private static final int PADDED = 0x8;

  /** The client connection preface that precedes the manager's first frame. */
  private static final int PREFACE_LENGTH = 24;

  /** gRPC's message prefix: a compressed flag and a 4-byte length. */
  private static final int GRPC_PREFIX = 5;

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
        fromManager(client, client, null);
        continue;
      }
      try {
        Socket server = new Socket(target.getAddress(), target.getPort());
        clients.add(client);
        servers.add(server);
        Connection connection = new Connection();
        fromManager(client, server, frames ? connection : null);
        fromAgent(server, client, connection);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  /**
   * Forwards the manager's bytes; with a connection, reads its frame headers first (before
   * forwarding them) to learn which calls the manager half-closed.
   */
  private void fromManager(Socket client, Socket server, Connection connection) {
    daemon(
        () -> {
          byte[] buf = new byte[16 * 1024];
          boolean forwarding = true;
          try (InputStream in = client.getInputStream()) {
            OutputStream out = server.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
              if (connection != null) {
                connection.fromManager(buf, n);
              }
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

  private void fromAgent(Socket server, Socket client, Connection connection) {
    daemon(
        () -> {
          try (InputStream in = server.getInputStream()) {
            if (frames) {
              forwardFrames(in, client.getOutputStream(), server, connection);
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
   * Forwards whole HTTP/2 frames (9-byte header, 24-bit length) and cuts before or after the armed
   * answer: a unary call's trailers, or one message of a call the manager keeps open.
   */
  private void forwardFrames(InputStream in, OutputStream out, Socket server, Connection connection)
      throws IOException {
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
      int type = header[3] & 0xff;
      int flags = header[4] & 0xff;
      int streamId =
          ((header[5] & 0x7f) << 24)
              | ((header[6] & 0xff) << 16)
              | ((header[7] & 0xff) << 8)
              | (header[8] & 0xff);
      boolean open = streamId != 0 && !connection.halfClosed(streamId);
      if (type == HTTP2_DATA && open) {
        if (forwardMessages(header, payload, flags, streamId, out, connection)) {
          return;
        }
        continue;
      }
      if (armedBefore && type == HTTP2_HEADERS) {
        cutNow();
        return;
      }
      out.write(header);
      out.write(payload);
      out.flush();
      boolean ends =
          (type == HTTP2_HEADERS || type == HTTP2_DATA) && (flags & END_STREAM) != 0
              || type == HTTP2_RST_STREAM;
      if (ends) {
        connection.ended(streamId);
      }
      if (ends && type == HTTP2_HEADERS && armed && !open) {
        boolean keepReading = armedSilent;
        cutNow();
        if (!keepReading) {
          return;
        }
      }
    }
  }

  /**
   * Forwards a DATA frame of a call the manager keeps open, message by message: an armed cut falls
   * right after the message that completes in it (or before one that starts in it). Returns whether
   * the pump is to stop.
   */
  private boolean forwardMessages(
      byte[] header,
      byte[] payload,
      int flags,
      int streamId,
      OutputStream out,
      Connection connection)
      throws IOException {
    int start = 0;
    int end = payload.length;
    if ((flags & PADDED) != 0 && payload.length > 0) {
      start = 1;
      end = payload.length - (payload[0] & 0xff);
    }
    MessageReader reader = connection.reader(streamId);
    for (int at = start; at < end; ) {
      if (armedBefore && reader.atBoundary()) {
        forwardData(header, payload, start, at, out);
        cutNow();
        return true;
      }
      at = reader.consume(payload, at, end);
      if (reader.atBoundary() && armed) {
        forwardData(header, payload, start, at, out);
        boolean keepReading = armedSilent;
        cutNow();
        return !keepReading;
      }
    }
    out.write(header);
    out.write(payload);
    out.flush();
    if ((flags & END_STREAM) != 0) {
      connection.ended(streamId);
    }
    return false;
  }

  /**
   * Forwards data bytes [from, to) of a DATA frame as a frame of their own, unpadded and without
   * END_STREAM (nothing when empty): what the manager gets of a frame cut in its middle.
   */
  private static void forwardData(byte[] header, byte[] payload, int from, int to, OutputStream out)
      throws IOException {
    int length = to - from;
    if (length == 0) {
      return;
    }
    byte[] h = header.clone();
    h[0] = (byte) (length >>> 16);
    h[1] = (byte) (length >>> 8);
    h[2] = (byte) length;
    h[4] = 0;
    out.write(h);
    out.write(payload, from, length);
    out.flush();
  }

  /**
   * What the proxy knows of one connection's calls: which ones the manager half-closed (read from
   * its frames), and where the agent's messages on the others begin and end.
   */
  private static final class Connection {
    private final Set<Integer> halfClosed = ConcurrentHashMap.newKeySet();

    /** Touched only by the agent-side pump. */
    private final Map<Integer, MessageReader> readers = new HashMap<>();

    /** Manager-side frame parsing: preface bytes still to skip, then frame header and payload. */
    private int prefaceLeft = PREFACE_LENGTH;

    private final byte[] frameHeader = new byte[9];
    private int headerFilled;
    private int payloadLeft;

    boolean halfClosed(int streamId) {
      return halfClosed.contains(streamId);
    }

    MessageReader reader(int streamId) {
      return readers.computeIfAbsent(streamId, id -> new MessageReader());
    }

    void ended(int streamId) {
      halfClosed.remove(streamId);
      readers.remove(streamId);
    }

    /** Reads the manager's bytes as they pass (called before they are forwarded). */
    void fromManager(byte[] buf, int n) {
      int at = 0;
      while (at < n) {
        if (prefaceLeft > 0) {
          int skip = Math.min(prefaceLeft, n - at);
          prefaceLeft -= skip;
          at += skip;
        } else if (payloadLeft > 0) {
          int skip = Math.min(payloadLeft, n - at);
          payloadLeft -= skip;
          at += skip;
        } else {
          frameHeader[headerFilled++] = buf[at++];
          if (headerFilled == 9) {
            headerFilled = 0;
            frameHeaderRead();
          }
        }
      }
    }

    private void frameHeaderRead() {
      byte[] h = frameHeader;
      payloadLeft = ((h[0] & 0xff) << 16) | ((h[1] & 0xff) << 8) | (h[2] & 0xff);
      int type = h[3] & 0xff;
      int streamId =
          ((h[5] & 0x7f) << 24) | ((h[6] & 0xff) << 16) | ((h[7] & 0xff) << 8) | (h[8] & 0xff);
      if ((type == HTTP2_HEADERS || type == HTTP2_DATA) && (h[4] & END_STREAM) != 0) {
        halfClosed.add(streamId);
      }
    }
  }

  /** Where the agent's gRPC messages on one call begin and end (length-prefixed, 5-byte prefix). */
  private static final class MessageReader {
    private final byte[] prefix = new byte[GRPC_PREFIX];
    private int prefixFilled;
    private long bodyLeft;

    /** Whether the bytes read so far end exactly at the end of a message (or are none). */
    boolean atBoundary() {
      return prefixFilled == 0 && bodyLeft == 0;
    }

    /**
     * Reads data bytes from at, up to the end of the current message or to end; returns where it
     * stopped.
     */
    int consume(byte[] data, int at, int end) {
      while (at < end && prefixFilled < GRPC_PREFIX) {
        prefix[prefixFilled++] = data[at++];
        if (prefixFilled == GRPC_PREFIX) {
          bodyLeft =
              ((prefix[1] & 0xffL) << 24)
                  | ((prefix[2] & 0xff) << 16)
                  | ((prefix[3] & 0xff) << 8)
                  | (prefix[4] & 0xff);
          if (bodyLeft == 0) {
            prefixFilled = 0; // an empty message ends with its prefix
            return at;
          }
        }
      }
      if (prefixFilled < GRPC_PREFIX) {
        return at;
      }
      int take = (int) Math.min(bodyLeft, end - at);
      bodyLeft -= take;
      at += take;
      if (bodyLeft == 0) {
        prefixFilled = 0;
      }
      return at;
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
