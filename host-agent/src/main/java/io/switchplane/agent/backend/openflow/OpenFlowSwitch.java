package io.switchplane.agent.backend.openflow;

import static io.switchplane.agent.backend.openflow.OpenFlowMessages.BARRIER_REPLY;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.BUNDLE_COMMIT_REQUEST;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.BUNDLE_CONTROL;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.BUNDLE_DISCARD_REQUEST;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.BUNDLE_OPEN_REQUEST;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.ECHO_REQUEST;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.ERROR;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.HEADER_LENGTH;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.HELLO;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.MULTIPART_REPLY;
import static io.switchplane.agent.backend.openflow.OpenFlowMessages.VERSION;

import io.switchplane.agent.backend.openflow.OpenFlowMessages.Message;
import io.switchplane.agent.backend.openflow.OpenFlowMessages.SwitchError;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One persistent OpenFlow 1.4 session to a bridge's management socket ({@code BRIDGE.mgmt}, a unix
 * socket of ovs-vswitchd): flow mods applied as one atomic bundle, the flows read back, frames
 * injected. Changing flows this way costs ovs-vswitchd no bridge reconfiguration, which every OVSDB
 * Port change does.
 *
 * <p>The session opens on first use (the constructor does no I/O). Every call finishes or fails
 * within the timeout; when a call's I/O fails or times out, or the switch breaks the protocol, the
 * connection is dropped and the call throws {@link OpenFlowException} (type and code {@link
 * OpenFlowException#NONE}): the next call connects afresh (one attempt per call, no retry loop). A
 * switch that restarted is noticed at the start of the next call (its end of the old connection is
 * closed), which then connects afresh. Once {@link #close}d, every call throws {@link
 * IllegalStateException}: a closed session is a programming error, not a switch fault.
 *
 * <p>Calls are synchronized: one exchange on the connection at a time.
 */
public final class OpenFlowSwitch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpenFlowSwitch.class);

  /** Room for two messages of the largest size (64 KiB), so a whole one always fits. */
  private static final int READ_BUFFER = 2 << 16;

  private final Path socket;
  private final Duration timeout;
  private final ByteBuffer in = ByteBuffer.allocate(READ_BUFFER); // filling; compact after reads
  private SocketChannel channel; // null: not connected
  private Selector selector;
  private SelectionKey key;
  private int nextXid = 1;
  private int nextBundleId = 1;
  private boolean closed;
  private long sessions;

  /** A session to the switch at mgmtSocket; every call bounded by timeout. Does no I/O. */
  public OpenFlowSwitch(Path mgmtSocket, Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout " + timeout + " must be positive");
    }
    this.socket = mgmtSocket;
    this.timeout = timeout;
  }

  /**
   * Applies mods in order as ONE atomic bundle: all of them or, when the switch refuses any, none
   * (then OpenFlowException with the switch's error type and code). Returns once the switch
   * committed them (a barrier after the commit). No mods: no I/O.
   *
   * <p>Two round trips: OVS checks a flow mod (its actions against its match, say) when it is added
   * to a bundle, answers a bad one with an error and leaves the bundle open without it, so a commit
   * sent right behind the adds would apply the rest. So the adds go first, followed by a barrier;
   * only when none was refused is the commit sent (else the bundle is discarded).
   *
   * <p>When the session fails (type {@link OpenFlowException#NONE}) the switch still applied all or
   * nothing (OVS discards the open bundles of a connection that closes), but after the commit went
   * out which one is not known: read {@link #flows} to see.
   */
  public synchronized void apply(List<FlowMod> mods) throws OpenFlowException {
    checkOpen();
    if (mods.isEmpty()) {
      return;
    }
    long deadline = deadline();
    int bundle = nextBundleId++;
    ByteBuffer[] adds = new ByteBuffer[mods.size() + 2];
    adds[0] = OpenFlowMessages.bundleControl(xid(), bundle, BUNDLE_OPEN_REQUEST);
    int firstAdd = nextXid;
    for (int i = 0; i < mods.size(); i++) {
      adds[i + 1] =
          OpenFlowMessages.bundleAdd(bundle, OpenFlowMessages.flowMod(xid(), mods.get(i)));
    }
    int barrier = xid();
    adds[adds.length - 1] = OpenFlowMessages.barrierRequest(barrier);
    try {
      live(deadline);
      long start = System.nanoTime();
      Outcome added = exchange(adds, barrier, deadline);
      if (added.error != null) {
        discard(bundle, deadline);
        throw refused("adding to a bundle", added, firstAdd, mods);
      }
      int commit = xid();
      barrier = xid();
      Outcome committed =
          exchange(
              new ByteBuffer[] {
                OpenFlowMessages.bundleControl(commit, bundle, BUNDLE_COMMIT_REQUEST),
                OpenFlowMessages.barrierRequest(barrier)
              },
              barrier,
              deadline);
      if (committed.error != null) {
        throw refused("committing a bundle", committed, firstAdd, mods);
      }
      if (!committed.committed) {
        throw new ProtocolException("no commit reply before the barrier reply");
      }
      LOG.debug(
          "{}: applied {} flow mods in {} us",
          socket,
          mods.size(),
          (System.nanoTime() - start) / 1000);
    } catch (IOException e) {
      throw dropped("applying " + mods.size() + " flow mods", e);
    }
  }

  /**
   * Every flow of every table whose cookie agrees with cookie on the bits of cookieMask (mask 0:
   * all flows), as the switch holds them now, decoded canonically: a flow that {@link #apply} added
   * reads back equal to the one sent; one with anything we do not model has a {@link
   * FlowAction.Unknown} among its actions.
   */
  public synchronized List<Flow> flows(long cookie, long cookieMask) throws OpenFlowException {
    checkOpen();
    long deadline = deadline();
    int xid = xid();
    ByteBuffer request = OpenFlowMessages.flowStatsRequest(xid, cookie, cookieMask);
    try {
      live(deadline);
      write(new ByteBuffer[] {request}, deadline);
      List<Flow> flows = new ArrayList<>();
      while (true) {
        Message m = read(deadline);
        if (m.xid() != xid) {
          LOG.debug("{}: ignoring message of type {} (xid {})", socket, m.type(), m.xid());
        } else if (m.type() == ERROR) {
          SwitchError e = OpenFlowMessages.error(m.body());
          throw new OpenFlowException(
              "the switch at " + socket + " refused a flow dump: " + e.name(), e.type(), e.code());
        } else if (m.type() != MULTIPART_REPLY) {
          throw new ProtocolException("answer of type " + m.type() + " to a flow dump");
        } else if (!OpenFlowMessages.flowStatsReply(m.body(), flows)) {
          return flows;
        }
      }
    } catch (IOException e) {
      throw dropped("reading flows", e);
    }
  }

  /**
   * Injects frame (a whole Ethernet frame) into table 0 as if it came in on inPort (an OpenFlow
   * port number); returns once the switch processed it (a barrier).
   */
  public synchronized void packetOut(int inPort, byte[] frame) throws OpenFlowException {
    checkOpen();
    long deadline = deadline();
    ByteBuffer packet = OpenFlowMessages.packetOut(xid(), inPort, frame);
    int barrier = xid();
    ByteBuffer[] out = {packet, OpenFlowMessages.barrierRequest(barrier)};
    try {
      live(deadline);
      Outcome o = exchange(out, barrier, deadline);
      if (o.error != null) {
        throw new OpenFlowException(
            "the switch at " + socket + " refused a packet-out: " + o.error.name(),
            o.error.type(),
            o.error.code());
      }
    } catch (IOException e) {
      throw dropped("a packet-out", e);
    }
  }

  /**
   * How many sessions this has opened so far: a new one since a caller last looked means the switch
   * may have restarted (ovs-vswitchd keeps no flows across a restart).
   */
  public synchronized long sessions() {
    return sessions;
  }

  /** Ends the session; every later call throws IllegalStateException. */
  @Override
  public synchronized void close() {
    closed = true;
    disconnect();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the OpenFlow session to " + socket + " is closed");
    }
  }

  private long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  private int xid() {
    return nextXid++;
  }

  /** What the switch answered up to a barrier reply. */
  private static final class Outcome {
    SwitchError error; // the first; OVS sends the specific one before a bundle's MSG_FAILED
    int errorXid;
    boolean committed;
  }

  /** Sends out and reads up to the reply to the barrier request barrierXid (the last of out). */
  private Outcome exchange(ByteBuffer[] out, int barrierXid, long deadline) throws IOException {
    write(out, deadline);
    Outcome o = new Outcome();
    while (true) {
      Message m = read(deadline);
      if (m.type() == BARRIER_REPLY && m.xid() == barrierXid) {
        return o;
      }
      if (m.type() == ERROR) {
        SwitchError e = OpenFlowMessages.error(m.body());
        LOG.debug("{}: error {} for xid {}", socket, e.name(), m.xid());
        if (o.error == null) {
          o.error = e;
          o.errorXid = m.xid();
        }
      } else if (m.type() == BUNDLE_CONTROL && OpenFlowMessages.isCommitReply(m.body())) {
        o.committed = true;
      }
      // anything else (bundle open reply, asynchronous messages) needs nothing from us
    }
  }

  /** Discards bundle after a refused add; failing that, drops the connection (OVS discards it). */
  private void discard(int bundle, long deadline) {
    int barrier = xid();
    try {
      exchange(
          new ByteBuffer[] {
            OpenFlowMessages.bundleControl(xid(), bundle, BUNDLE_DISCARD_REQUEST),
            OpenFlowMessages.barrierRequest(barrier)
          },
          barrier,
          deadline);
    } catch (IOException e) {
      LOG.warn("{}: cannot discard bundle {}, dropping the connection: {}", socket, bundle, e);
      disconnect();
    }
  }

  private OpenFlowException refused(String what, Outcome o, int firstAdd, List<FlowMod> mods) {
    int index = o.errorXid - firstAdd; // the adds have consecutive xids
    String which = index >= 0 && index < mods.size() ? " (" + mods.get(index) + ")" : "";
    return new OpenFlowException(
        "the switch at "
            + socket
            + " refused "
            + what
            + ": "
            + o.error.name()
            + which
            + "; nothing applied",
        o.error.type(),
        o.error.code());
  }

  private OpenFlowException dropped(String what, IOException e) {
    LOG.warn("{}: OpenFlow session dropped {}: {}", socket, what, e.toString());
    disconnect();
    return new OpenFlowException(
        "OpenFlow session to "
            + socket
            + " failed "
            + what
            + ": "
            + e
            + "; reconnects on next call",
        e);
  }

  /**
   * Makes sure of a live connection: a connection whose peer has gone (a restarted switch) is
   * dropped, and a missing one opened; stale messages are answered (echo) or dropped.
   */
  private void live(long deadline) throws IOException, OpenFlowException {
    if (channel != null) {
      try {
        if (channel.read(in) < 0) {
          throw new EOFException("the switch closed the connection");
        }
        for (Message m = buffered(); m != null; m = buffered()) {
          if (m.type() == ECHO_REQUEST) {
            write(new ByteBuffer[] {OpenFlowMessages.echoReply(m.xid(), m.body())}, deadline);
          } else {
            LOG.debug("{}: ignoring stale message of type {} (xid {})", socket, m.type(), m.xid());
          }
        }
      } catch (IOException e) {
        LOG.info("{}: OpenFlow session gone ({}), connecting afresh", socket, e.toString());
        disconnect();
      }
    }
    if (channel == null) {
      connect(deadline);
    }
  }

  private void connect(long deadline) throws IOException, OpenFlowException {
    in.clear();
    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.configureBlocking(false);
      selector = Selector.open();
      key = channel.register(selector, 0);
      if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
        while (!channel.finishConnect()) {
          await(SelectionKey.OP_CONNECT, deadline);
        }
      }
      write(new ByteBuffer[] {OpenFlowMessages.hello(xid())}, deadline);
      Message hello = read(deadline);
      if (hello.type() != HELLO) {
        throw new ProtocolException("the switch's first message is of type " + hello.type());
      }
      if (!OpenFlowMessages.helloAllows14(hello)) {
        throw new ProtocolException(
            "the switch speaks OpenFlow wire version " + hello.version() + ", we need " + VERSION);
      }
      // A barrier, so that a switch that will not speak 1.4 (its bridge's protocols) says so now.
      int barrier = xid();
      Outcome o =
          exchange(new ByteBuffer[] {OpenFlowMessages.barrierRequest(barrier)}, barrier, deadline);
      if (o.error != null) {
        disconnect();
        throw new OpenFlowException(
            "the switch at " + socket + " refused the session: " + o.error.name(),
            o.error.type(),
            o.error.code());
      }
      sessions++;
      LOG.info("{}: OpenFlow 1.4 session open", socket);
    } catch (IOException | RuntimeException e) {
      disconnect();
      throw e;
    }
  }

  private void disconnect() {
    if (channel == null) {
      return;
    }
    try {
      selector.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("{}: closing the selector: {}", socket, e.toString());
    }
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("{}: closing the connection: {}", socket, e.toString());
    }
    channel = null;
    selector = null;
    key = null;
  }

  private void write(ByteBuffer[] out, long deadline) throws IOException {
    // A gathering write sends the buffers in order: the last one drained means all are.
    while (out[out.length - 1].hasRemaining()) {
      if (channel.write(out) == 0) {
        await(SelectionKey.OP_WRITE, deadline);
      }
    }
  }

  /** The next message, waiting for it until deadline; answers echo requests on the way. */
  private Message read(long deadline) throws IOException {
    while (true) {
      Message m = buffered();
      if (m == null) {
        int n = channel.read(in);
        if (n < 0) {
          throw new EOFException("the switch closed the connection");
        }
        if (n == 0) {
          await(SelectionKey.OP_READ, deadline);
        }
      } else if (m.type() == ECHO_REQUEST) {
        write(new ByteBuffer[] {OpenFlowMessages.echoReply(m.xid(), m.body())}, deadline);
      } else {
        return m;
      }
    }
  }

  /** The next whole message in the read buffer, or null. */
  private Message buffered() throws ProtocolException {
    in.flip();
    try {
      if (in.remaining() < HEADER_LENGTH) {
        return null;
      }
      int at = in.position();
      int version = in.get(at) & 0xff;
      int type = in.get(at + 1) & 0xff;
      int length = in.getShort(at + 2) & 0xffff;
      int xid = in.getInt(at + 4);
      if (length < HEADER_LENGTH) {
        throw new ProtocolException("message of length " + length);
      }
      if (version != VERSION && type != HELLO) {
        throw new ProtocolException("message of wire version " + version);
      }
      if (in.remaining() < length) {
        return null;
      }
      byte[] body = new byte[length - HEADER_LENGTH];
      in.position(at + HEADER_LENGTH).get(body);
      return new Message(version, type, xid, ByteBuffer.wrap(body));
    } finally {
      in.compact();
    }
  }

  /** Waits until the channel is ready for op, or throws once deadline has passed. */
  private void await(int op, long deadline) throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException("no answer within " + timeout.toMillis() + " ms");
    }
    key.interestOps(op);
    selector.select(Math.max(1, (left + 999_999) / 1_000_000));
    selector.selectedKeys().clear();
    if (Thread.interrupted()) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the switch");
    }
  }
}
