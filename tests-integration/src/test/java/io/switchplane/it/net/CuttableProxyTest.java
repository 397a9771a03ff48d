package io.switchplane.it.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's HTTP/2 frame reading, with hand-made frames over real loopback sockets (no gRPC):
 * where exactly an armed cut falls on a call the manager keeps open (after one length-prefixed
 * message, even inside a DATA frame or across frames) and on one it half-closed (after the
 * trailers).
 */
class CuttableProxyTest {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int END_STREAM = 0x1;

  private ServerSocket agentListener;
  private CuttableProxy proxy;
  private Socket manager;
  private Socket agent;

  @BeforeEach
  void connect() throws IOException {
    agentListener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    proxy = CuttableProxy.start(agentListener.getLocalPort());
    String[] hostPort = proxy.endpoint().split(":");
    manager = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
    manager.setSoTimeout(10_000);
    agent = agentListener.accept();
    agent.setSoTimeout(10_000);
    manager.getOutputStream().write(PREFACE);
    assertThat(agent.getInputStream().readNBytes(PREFACE.length)).isEqualTo(PREFACE);
  }

  @AfterEach
  void close() throws IOException {
    proxy.close();
    manager.close();
    agent.close();
    agentListener.close();
  }

  @Test
  void onAnOpenCallTheCutFallsRightAfterOneMessageInsideADataFrame() throws Exception {
    fromManager(frame(HEADERS, 0, 1, new byte[] {1, 2, 3})); // request headers, call kept open
    proxy.cutAfterNextResponse();
    byte[] first = message("first answer");
    byte[] second = message("second");
    fromAgent(frame(DATA, 0, 1, concat(first, second)));

    assertThat(proxy.awaitCut(10, TimeUnit.SECONDS)).isTrue();
    // The manager gets a DATA frame of exactly the first message, then the end of the stream.
    assertThat(readToEnd(manager.getInputStream())).isEqualTo(frame(DATA, 0, 1, first));
  }

  @Test
  void aMessageSplitOverFramesIsLetThroughWhole() throws Exception {
    fromManager(frame(HEADERS, 0, 3, new byte[] {1}));
    proxy.cutAfterNextResponse();
    byte[] answer = message("an answer long enough to split");
    byte[] head = java.util.Arrays.copyOfRange(answer, 0, 3); // part of the 5-byte prefix
    byte[] tail = java.util.Arrays.copyOfRange(answer, 3, answer.length);
    fromAgent(frame(DATA, 0, 3, head));
    fromAgent(concat(frame(DATA, 0, 3, tail), frame(DATA, 0, 3, message("next"))));

    assertThat(proxy.awaitCut(10, TimeUnit.SECONDS)).isTrue();
    assertThat(readToEnd(manager.getInputStream()))
        .isEqualTo(concat(frame(DATA, 0, 3, head), frame(DATA, 0, 3, tail)));
  }

  @Test
  void beforeTheNextAnswerNotOneByteOfItPasses() throws Exception {
    fromManager(frame(HEADERS, 0, 5, new byte[] {1}));
    byte[] earlier = frame(DATA, 0, 5, message("earlier"));
    fromAgent(earlier);
    assertThat(manager.getInputStream().readNBytes(earlier.length)).isEqualTo(earlier);

    proxy.cutBeforeNextResponse();
    fromAgent(frame(DATA, 0, 5, message("lost")));

    assertThat(proxy.awaitCut(10, TimeUnit.SECONDS)).isTrue();
    assertThat(readToEnd(manager.getInputStream())).isEmpty();
  }

  @Test
  void onAHalfClosedCallTheCutFallsAfterTheTrailers() throws Exception {
    // A unary call: request headers, then the request message with END_STREAM.
    fromManager(frame(HEADERS, 0, 7, new byte[] {1}));
    fromManager(frame(DATA, END_STREAM, 7, message("request")));
    assertThat(agent.getInputStream().readNBytes(9 + 1 + 9 + 5 + 7)).hasSize(9 + 1 + 9 + 5 + 7);
    proxy.cutAfterNextResponse();
    byte[] answer =
        concat(
            frame(HEADERS, 0, 7, new byte[] {2}),
            frame(DATA, 0, 7, message("reply")),
            frame(HEADERS, END_STREAM, 7, new byte[] {3}));
    fromAgent(concat(answer, frame(HEADERS, 0, 9, new byte[] {4})));

    assertThat(proxy.awaitCut(10, TimeUnit.SECONDS)).isTrue();
    assertThat(readToEnd(manager.getInputStream())).isEqualTo(answer);
  }

  private void fromManager(byte[] bytes) throws IOException {
    OutputStream out = manager.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  private void fromAgent(byte[] bytes) throws IOException {
    OutputStream out = agent.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  /** Everything until the proxy closes its side toward the manager. */
  private static byte[] readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    in.transferTo(all);
    return all.toByteArray();
  }

  private static byte[] frame(int type, int flags, int streamId, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[5] = (byte) (streamId >>> 24);
    f[6] = (byte) (streamId >>> 16);
    f[7] = (byte) (streamId >>> 8);
    f[8] = (byte) streamId;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  /** A gRPC length-prefixed message (uncompressed). */
  private static byte[] message(String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    byte[] m = new byte[5 + b.length];
    m[1] = (byte) (b.length >>> 24);
    m[2] = (byte) (b.length >>> 16);
    m[3] = (byte) (b.length >>> 8);
    m[4] = (byte) b.length;
    System.arraycopy(b, 0, m, 5, b.length);
    return m;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
