package io.switchplane.agent.backend.ovsdb;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON-RPC 1.0 session with an ovsdb-server (RFC 7047 section 4), over a unix socket or TCP:
 * request ids, the replies that complete them, the server's "update" notifications (handed to a
 * listener, in the order the server sent them) and its "echo" keep-alives (answered). The wire
 * carries JSON values back to back with no framing, so a lenient streaming reader splits them. One
 * reader thread per session; writes are serialised. Once the session ends (EOF, an I/O error,
 * close) every pending request fails and the session is dead: the owner opens a new one.
 */
final class OvsdbConnection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OvsdbConnection.class);

  private final String target;
  private final SocketChannel channel;
  private final Consumer<JsonArray> onUpdate;
  private final AtomicLong ids = new AtomicLong();
  private final Runnable onEnd;
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Object writeLock = new Object();
  private final Thread reader;
  private volatile IOException failure;

  /**
   * A request waiting for its reply; onResult (may be null) runs on the reader thread before later
   * messages.
   */
  private record Pending(CompletableFuture<JsonElement> reply, Consumer<JsonElement> onResult) {}

  private OvsdbConnection(
      String target, SocketChannel channel, Consumer<JsonArray> onUpdate, Runnable onEnd) {
    this.target = target;
    this.channel = channel;
    this.onUpdate = onUpdate;
    this.onEnd = onEnd;
    this.reader = new Thread(this::readLoop, "ovsdb-reader " + target);
    this.reader.setDaemon(true);
  }

  /**
   * Connects to target ({@code unix:PATH} or {@code tcp:HOST:PORT}) and starts reading. onUpdate
   * gets the params of each "update" notification ([monitor id, table updates]) on the reader
   * thread; onEnd runs once when the session ends.
   */
  static OvsdbConnection open(String target, Consumer<JsonArray> onUpdate, Runnable onEnd)
      throws IOException {
    SocketChannel channel;
    if (target.startsWith("unix:")) {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      connect(channel, UnixDomainSocketAddress.of(Path.of(target.substring("unix:".length()))));
    } else if (target.startsWith("tcp:")) {
      String hostPort = target.substring("tcp:".length());
      int colon = hostPort.lastIndexOf(':');
      if (colon < 0) {
        throw new IOException("tcp target needs a port: " + target);
      }
      channel = SocketChannel.open();
      connect(
          channel,
          new InetSocketAddress(
              hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
    } else {
      throw new IOException(
          "unknown OVSDB target '" + target + "'; use unix:PATH or tcp:HOST:PORT");
    }
    OvsdbConnection c = new OvsdbConnection(target, channel, onUpdate, onEnd);
    c.reader.start();
    return c;
  }

  private static void connect(SocketChannel channel, SocketAddress address) throws IOException {
    try {
      channel.connect(address);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Sends method(params); the future completes with the reply's result, or fails with OvsdbError /
   * IOException.
   */
  CompletableFuture<JsonElement> request(String method, JsonArray params) {
    return request(method, params, null);
  }

  /**
   * As {@link #request(String, JsonArray)}, and onResult gets a successful result on the reader
   * thread, before any message the server sent after the reply is handled (a monitor's initial rows
   * must be in place before its first update).
   */
  CompletableFuture<JsonElement> request(
      String method, JsonArray params, Consumer<JsonElement> onResult) {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonElement> reply = new CompletableFuture<>();
    pending.put(id, new Pending(reply, onResult));
    JsonObject msg = new JsonObject();
    msg.addProperty("method", method);
    msg.add("params", params);
    msg.addProperty("id", id);
    try {
      send(msg);
    } catch (IOException e) {
      pending.remove(id);
      reply.completeExceptionally(e);
    }
    IOException dead = failure;
    Pending orphan = dead == null ? null : pending.remove(id);
    if (orphan != null) {
      orphan
          .reply()
          .completeExceptionally(dead); // the session ended while we sent: nobody else will fail it
    }
    return reply;
  }

  /** Whether the session still reads (false after EOF, an error or close). */
  boolean isOpen() {
    return failure == null;
  }

  private void send(JsonObject msg) throws IOException {
    if (failure != null) {
      throw failure;
    }
    ByteBuffer bytes = ByteBuffer.wrap(msg.toString().getBytes(StandardCharsets.UTF_8));
    synchronized (writeLock) {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    }
  }

  private void readLoop() {
    try (Reader in =
        new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8)) {
      JsonReader json = new JsonReader(in);
      json.setLenient(true); // values back to back, as the protocol sends them
      while (true) {
        dispatch(JsonParser.parseReader(json).getAsJsonObject());
      }
    } catch (IOException | RuntimeException e) {
      // EOF shows up as a JsonIOException/JsonSyntaxException from Gson; either way the session is
      // over.
      end(new IOException("connection to ovsdb-server " + target + " ended: " + e.getMessage(), e));
    }
  }

  private void dispatch(JsonObject msg) throws IOException {
    JsonElement method = msg.get("method");
    if (method == null || method.isJsonNull()) {
      completeReply(msg);
    } else if ("update".equals(method.getAsString())) {
      onUpdate.accept(msg.getAsJsonArray("params"));
    } else if ("echo".equals(method.getAsString())) {
      JsonObject reply = new JsonObject();
      reply.add("result", msg.get("params"));
      reply.add("error", JsonNull.INSTANCE);
      reply.add("id", msg.get("id"));
      send(reply);
    } else {
      LOG.debug("ovsdb-server {} sent {} (ignored)", target, method);
    }
  }

  private void completeReply(JsonObject msg) {
    JsonElement id = msg.get("id");
    if (id == null || !id.isJsonPrimitive() || !((JsonPrimitive) id).isNumber()) {
      LOG.debug("ovsdb-server {} replied to an id we never sent: {}", target, id);
      return;
    }
    Pending p = pending.remove(id.getAsLong());
    if (p == null) {
      return;
    }
    JsonElement error = msg.get("error");
    if (error != null && !error.isJsonNull()) {
      p.reply().completeExceptionally(new OvsdbError(error.toString()));
      return;
    }
    try {
      if (p.onResult() != null) {
        p.onResult().accept(msg.get("result"));
      }
      p.reply().complete(msg.get("result"));
    } catch (RuntimeException e) {
      p.reply().completeExceptionally(e); // a malformed result: the caller sees why
    }
  }

  private void end(IOException cause) {
    synchronized (this) { // once: the first cause is the one every pending request sees
      if (failure != null) {
        return;
      }
      failure = cause;
    }
    try {
      channel.close();
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
    pending.values().forEach(p -> p.reply().completeExceptionally(cause));
    pending.clear();
    onEnd.run();
  }

  @Override
  public void close() {
    end(new IOException("connection to ovsdb-server " + target + " closed"));
  }

  /** A JSON-RPC error reply (the request was refused as a whole). */
  static final class OvsdbError extends Exception {
    private static final long serialVersionUID = 1L;

    OvsdbError(String message) {
      super(message);
    }
  }
}
