package io.switchplane.agent.backend.ovsdb;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.switchplane.agent.backend.BackendException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small OVSDB client (RFC 7047) for the Open_vSwitch database: one persistent session, a
 * monitor-fed {@link OvsdbCache} of the rows the ovs backend reads, and {@link #transact}, which
 * sends one transaction, bumps {@code next_cfg} in it, and returns once ovs-vswitchd has applied it
 * ({@code cur_cfg} caught up), as ovs-vsctl does. Reads cost no round trip. When ovsdb-server goes
 * away the session ends; the next call opens a new one and monitors afresh.
 */
public final class OvsdbClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OvsdbClient.class);
  private static final String DB = "Open_vSwitch";

  private final String target;
  private final Duration timeout;
  private final OvsdbCache cache = new OvsdbCache();
  private OvsdbConnection session;
  private boolean closed;

  /** A client of the ovsdb-server at target (unix:PATH or tcp:HOST:PORT). Does no I/O. */
  private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public OvsdbClient(String target, Duration timeout) {
    this.target = target;
    this.timeout = timeout;
  }

  /**
   * Every port as the server holds it now, by name (from the cache; opens a session first if there
   * is none).
   */
  public Map<String, OvsPort> ports() {
    try {
      live();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return cache.ports();
  }

  public Optional<OvsPort> port(String name) {
    return Optional.ofNullable(ports().get(name));
  }

  public Optional<String> bridgeUuid(String name) {
    ports(); // a live session first
    return cache.bridgeUuid(name);
  }

  /**
   * Runs listener on the session's reader thread after every change the monitor brings (ours and
   * anyone's); it must return at once (hand work to another thread).
   */
  public void onChange(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** The fail_mode of the bridge named name ("" for none, or no such bridge). */
  public String bridgeFailMode(String name) {
    ports(); // a live session first
    return cache.bridgeFailMode(name);
  }

  /** The uuids of the ports of the bridge named name. */
  public java.util.Set<String> bridgePorts(String name) {
    ports(); // a live session first
    return cache.bridgePorts(name);
  }

  /** The OpenFlow port numbers every interface has or asked for. */
  public java.util.Set<Integer> ofportsInUse() {
    ports(); // a live session first
    return cache.ofportsInUse();
  }

  /** The Open_vSwitch row, to add bridges to. */
  public String rootUuid() throws BackendException {
    ports();
    return cache
        .rootUuid()
        .orElseThrow(
            () ->
                new BackendException(
                    "the OVSDB at "
                        + target
                        + " has no Open_vSwitch row; initialise it first (ovs-vsctl --no-wait init)"));
  }

  /**
   * Commits tx as one transaction and waits until ovs-vswitchd applied it. BackendException when
   * the server refuses any operation (then nothing of it happened) or when the outcome or
   * ovs-vswitchd's part is not known; what says what the transaction was for.
   */
  public void transact(OvsdbTransaction tx, String what) throws BackendException {
    OvsdbConnection s;
    try {
      s = live();
    } catch (IOException e) {
      throw new BackendException(
          "cannot reach ovsdb-server at "
              + target
              + " for "
              + what
              + ": "
              + e.getMessage()
              + "; nothing applied",
          e);
    }
    JsonArray params = new JsonArray();
    params.add(DB);
    JsonArray ops = tx.ops();
    int count = ops.size();
    params.addAll(ops);
    JsonObject bump = OvsdbTransaction.op("mutate", DB);
    bump.add("where", new JsonArray());
    bump.add("mutations", mutation("next_cfg", "+=", new JsonPrimitive(1)));
    params.add(bump);
    JsonObject read = OvsdbTransaction.op("select", DB);
    read.add("where", new JsonArray());
    JsonArray cols = new JsonArray();
    cols.add("next_cfg");
    read.add("columns", cols);
    params.add(read);
    long sent = System.nanoTime();
    JsonArray results = await(s.request("transact", params), what).getAsJsonArray();
    long answered = System.nanoTime();
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      JsonElement r = results.get(i);
      if (r.isJsonObject()
          && r.getAsJsonObject().has("error")
          && !r.getAsJsonObject().get("error").isJsonNull()) {
        errors.add(
            (i < count ? "operation " + (i + 1) + " of " + count + ": " : "")
                + describe(r.getAsJsonObject()));
      }
    }
    if (!errors.isEmpty()) {
      throw new BackendException(
          String.format(
              "ovsdb-server refused the transaction for %s: %s; OVSDB applied none " + "of it",
              what, String.join("; ", errors)));
    }
    long target =
        results
            .get(count + 1)
            .getAsJsonObject()
            .getAsJsonArray("rows")
            .get(0)
            .getAsJsonObject()
            .get("next_cfg")
            .getAsLong();
    awaitVswitchd(target, what);
    if (LOG.isDebugEnabled()) {
      long applied = System.nanoTime();
      LOG.debug(
          "transaction for {}: ovsdb-server answered in {} us, ovs-vswitchd applied it {} us later",
          what,
          (answered - sent) / 1000,
          (applied - answered) / 1000);
    }
  }

  private void awaitVswitchd(long cfg, String what) throws BackendException {
    OvsdbCache.CfgWait seen;
    try {
      seen = cache.waitForCfg(cfg, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendException(
          "interrupted waiting for ovs-vswitchd to apply " + what + "; OVSDB committed it", e);
    }
    switch (seen) {
      case APPLIED -> {}
      case TIMED_OUT ->
          throw new BackendException(
              String.format(
                  "OVSDB committed %s but ovs-vswitchd did not apply "
                      + "it within %d ms (%s, waiting for %d): is ovs-vswitchd running?",
                  what, timeout.toMillis(), cache.cfgText(), cfg));
      case SESSION_ENDED ->
          throw new BackendException(
              "OVSDB committed "
                  + what
                  + " but the connection to "
                  + target
                  + " ended before ovs-vswitchd was seen applying it");
      default -> throw new IllegalStateException("unknown wait outcome " + seen);
    }
  }

  private JsonElement await(java.util.concurrent.CompletableFuture<JsonElement> reply, String what)
      throws BackendException {
    try {
      return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof OvsdbConnection.OvsdbError) {
        throw new BackendException(
            "ovsdb-server refused the transaction for "
                + what
                + ": "
                + cause.getMessage()
                + "; OVSDB applied none of it",
            cause);
      }
      throw new BackendException(
          "the connection to ovsdb-server at "
              + target
              + " failed during "
              + what
              + " before it answered ("
              + cause.getMessage()
              + "); OVSDB commits all or nothing, but whether this one "
              + "committed is unknown until the next read",
          cause);
    } catch (TimeoutException e) {
      throw new BackendException(
          "ovsdb-server at "
              + target
              + " did not answer the transaction for "
              + what
              + " within "
              + timeout.toMillis()
              + " ms",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendException("interrupted waiting for ovsdb-server to answer " + what, e);
    }
  }

  private static String describe(JsonObject error) {
    String details =
        error.has("details") && !error.get("details").isJsonNull()
            ? ": " + error.get("details").getAsString()
            : "";
    return error.get("error").getAsString() + details;
  }

  private static JsonArray mutation(String column, String mutator, JsonElement value) {
    JsonArray m = new JsonArray();
    m.add(column);
    m.add(mutator);
    m.add(value);
    JsonArray all = new JsonArray();
    all.add(m);
    return all;
  }

  /** The live session, opening one (and monitoring afresh) when there is none or it ended. */
  private synchronized OvsdbConnection live() throws IOException {
    if (closed) {
      throw new IOException("the OVSDB client of " + target + " is closed");
    }
    if (session != null && session.isOpen()) {
      return session;
    }
    java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong(-1);
    OvsdbConnection s =
        OvsdbConnection.open(
            target,
            params -> {
              cache.apply(params.get(1).getAsJsonObject());
              listeners.forEach(Runnable::run);
            },
            () -> cache.markDead(epoch.get()));
    JsonArray params = new JsonArray();
    params.add(DB);
    params.add("switchplane");
    params.add(OvsdbCache.monitorRequests());
    try {
      // The initial rows go into the cache on the reader thread, before the first update.
      s.request("monitor", params, result -> epoch.set(cache.reset(result.getAsJsonObject())))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      s.close();
      throw new IOException(
          "ovsdb-server at " + target + " did not accept our monitor: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.close();
      throw new IOException("interrupted while connecting to ovsdb-server at " + target, e);
    }
    if (session != null) {
      LOG.info("reconnected to ovsdb-server at {}", target);
    }
    session = s;
    return s;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (session != null) {
      session.close();
    }
  }
}
