package io.switchplane.agent.backend.openflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session's lifecycle against a scripted switch on a unix socket of the test's own: no I/O for
 * nothing to do, a timeout drops the connection and the next call connects afresh, echo requests
 * are answered mid-call, a switch without OpenFlow 1.4 is refused, a closed session refuses calls.
 * (What a real switch does with our messages: OpenFlowSwitchIT.)
 */
class OpenFlowSwitchTest {
  private static final Duration TIMEOUT = Duration.ofMillis(300);

  @TempDir Path dir;
  private ServerSocketChannel server;
  private final AtomicInteger connections = new AtomicInteger();

  @AfterEach
  void tearDown() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  /** What the scripted switch does with one connection. */
  private interface Script {
    void run(SocketChannel c) throws Exception;
  }

  /** Serves connections on dir/br0.mgmt with script, one after the other, in the background. */
  private Path serve(Script script) throws IOException {
    Path socket = dir.resolve("br0.mgmt");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    CompletableFuture.runAsync(
        () -> {
          while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
              connections.incrementAndGet();
              script.run(c);
            } catch (Exception e) {
              // the client went away, or the test ended
            }
          }
        });
    return socket;
  }

  private static ByteBuffer read(SocketChannel c) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(8);
    readFully(c, header);
    ByteBuffer m = ByteBuffer.allocate(header.getShort(2) & 0xffff);
    m.put(header.flip());
    readFully(c, m);
    return m.flip();
  }

  private static void readFully(SocketChannel c, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (c.read(b) < 0) {
        throw new EOFException();
      }
    }
  }

  private static void send(SocketChannel c, int version, int type, int xid, byte[] body)
      throws IOException {
    ByteBuffer m = ByteBuffer.allocate(8 + body.length);
    m.put((byte) version).put((byte) type).putShort((short) m.capacity()).putInt(xid).put(body);
    m.flip();
    while (m.hasRemaining()) {
      c.write(m);
    }
  }

  /** A switch's hello of OpenFlow 1.5 and the answer to the session's check barrier. */
  private static void handshake(SocketChannel c) throws IOException {
    assertThat(read(c).get(1)).isEqualTo((byte) OpenFlowMessages.HELLO);
    send(c, 6, OpenFlowMessages.HELLO, 1, new byte[0]);
    ByteBuffer barrier = read(c);
    send(c, 5, OpenFlowMessages.BARRIER_REPLY, barrier.getInt(4), new byte[0]);
  }

  @Test
  void nothingToApplyDoesNoIo() throws Exception {
    try (OpenFlowSwitch sw = new OpenFlowSwitch(dir.resolve("absent.mgmt"), TIMEOUT)) {
      sw.apply(List.of());
    }
  }

  @Test
  void noSwitchIsASessionFailure() {
    try (OpenFlowSwitch sw = new OpenFlowSwitch(dir.resolve("absent.mgmt"), TIMEOUT)) {
      assertThatThrownBy(() -> sw.flows(0, 0))
          .isInstanceOfSatisfying(
              OpenFlowException.class,
              e -> {
                assertThat(e.refused()).isFalse();
                assertThat(e.errorType()).isEqualTo(OpenFlowException.NONE);
                assertThat(e.errorCode()).isEqualTo(OpenFlowException.NONE);
              });
    }
  }

  @Test
  void aSilentSwitchTimesOutAndEachCallConnectsAfresh() throws Exception {
    Path socket =
        serve(
            c -> {
              read(c); // takes the hello, never answers
              read(c); // until the client goes
            });
    try (OpenFlowSwitch sw = new OpenFlowSwitch(socket, TIMEOUT)) {
      for (int call = 1; call <= 2; call++) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> sw.flows(0, 0)).isInstanceOf(OpenFlowException.class);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isBetween(TIMEOUT, TIMEOUT.plusSeconds(2));
        assertThat(connections.get()).isEqualTo(call);
      }
    }
  }

  @Test
  void echoRequestsAreAnsweredDuringACall() throws Exception {
    CompletableFuture<ByteBuffer> echoReply = new CompletableFuture<>();
    Path socket =
        serve(
            c -> {
              handshake(c);
              ByteBuffer request = read(c);
              send(
                  c, 5, OpenFlowMessages.ECHO_REQUEST, 77, "ping".getBytes(StandardCharsets.UTF_8));
              echoReply.complete(read(c));
              // an empty last part of the flow reply: OFPMP_FLOW, no MORE flag
              send(
                  c,
                  5,
                  OpenFlowMessages.MULTIPART_REPLY,
                  request.getInt(4),
                  new byte[] {0, 1, 0, 0, 0, 0, 0, 0});
              read(c); // until the client goes
            });
    try (OpenFlowSwitch sw = new OpenFlowSwitch(socket, Duration.ofSeconds(5))) {
      assertThat(sw.flows(0, 0)).isEmpty();
    }

    ByteBuffer reply = echoReply.get(5, TimeUnit.SECONDS);
    assertThat(reply.get(1)).isEqualTo((byte) OpenFlowMessages.ECHO_REPLY);
    assertThat(reply.getInt(4)).isEqualTo(77);
    assertThat(StandardCharsets.UTF_8.decode(reply.position(8)).toString()).isEqualTo("ping");
  }

  /** A switch that answers one flow request per connection, then restarts (closes it). */
  @Test
  void sessionsCountsTheSessionsOpenedSoACallerSeesARestart() throws Exception {
    Path socket =
        serve(
            c -> {
              handshake(c);
              ByteBuffer request = read(c);
              send(
                  c,
                  5,
                  OpenFlowMessages.MULTIPART_REPLY,
                  request.getInt(4),
                  new byte[] {0, 1, 0, 0, 0, 0, 0, 0});
            });
    try (OpenFlowSwitch sw = new OpenFlowSwitch(socket, Duration.ofSeconds(5))) {
      assertThat(sw.sessions()).isZero();
      assertThat(sw.flows(0, 0)).isEmpty();
      assertThat(sw.sessions()).isEqualTo(1);
      // The switch closes the first session: a call may still meet it (and fail) before the next
      // one connects afresh.
      await()
          .atMost(Duration.ofSeconds(5))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(sw.flows(0, 0)).isEmpty();
                assertThat(sw.sessions()).isEqualTo(2);
              });
      assertThat(connections.get()).isEqualTo(2);
    }
  }

  @Test
  void aSwitchWithoutOpenFlow14IsRefused() throws Exception {
    Path socket =
        serve(
            c -> {
              read(c);
              send(c, 4, OpenFlowMessages.HELLO, 1, new byte[0]);
              read(c);
            });
    try (OpenFlowSwitch sw = new OpenFlowSwitch(socket, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> sw.flows(0, 0))
          .isInstanceOf(OpenFlowException.class)
          .hasMessageContaining("wire version 4");
    }
  }

  @Test
  void aClosedSessionRefusesCalls() {
    OpenFlowSwitch sw = new OpenFlowSwitch(dir.resolve("absent.mgmt"), TIMEOUT);

    sw.close();

    assertThatThrownBy(() -> sw.apply(List.of())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> sw.flows(0, 0)).isInstanceOf(IllegalStateException.class);
  }
}
