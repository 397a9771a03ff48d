package io.switchplane.rpc.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.switchplane.rpc.health.Readiness;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A process's one HTTP endpoint for operations (the JDK's server): {@code /metrics} (the Prometheus
 * client's scrape handler over a {@link Metrics} registry), {@code /healthz} (200 while the process
 * answers at all), {@code /readyz} (200 when the {@link Readiness} says ready, else 503 with the
 * reason), and whatever else the process {@linkplain #route adds} (the manager's status page).
 *
 * <p>Lifecycle: the constructor does no I/O; {@link #route} any time; {@link #start} binds once;
 * {@link #close} stops.
 */
public final class MetricsHttpServer implements AutoCloseable {
  private final Metrics metrics;
  private final Readiness readiness;
  private final Map<String, HttpHandler> routes = new LinkedHashMap<>();
  private HttpServer server;
  private ExecutorService executor;

  /** Serves metrics and a process that is always ready. */
  public MetricsHttpServer(Metrics metrics) {
    this(metrics, Readiness.ALWAYS);
  }

  public MetricsHttpServer(Metrics metrics, Readiness readiness) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.readiness = Objects.requireNonNull(readiness, "readiness");
    routes.put("/metrics", new MetricsHandler(metrics.registry()));
    routes.put("/healthz", exchange -> answer(exchange, 200, "ok\n"));
    routes.put("/readyz", this::ready);
  }

  /**
   * Serves path (and everything under it, as the JDK server matches prefixes) with handler, before
   * or after start. A path already served is refused.
   */
  public synchronized MetricsHttpServer route(String path, HttpHandler handler) {
    if (routes.putIfAbsent(path, Objects.requireNonNull(handler, "handler")) != null) {
      throw new IllegalArgumentException(path + " is served already");
    }
    if (server != null) {
      server.createContext(path, handler);
    }
    return this;
  }

  /** The registry served at /metrics. */
  public Metrics metrics() {
    return metrics;
  }

  /** Binds host:port (0: any free port) and serves; returns the port. */
  public synchronized int start(String host, int port) {
    if (server != null) {
      throw new IllegalStateException("metrics server already started");
    }
    HttpServer s;
    try {
      s = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port, e);
    }
    routes.forEach(s::createContext);
    // Two threads: a slow status page does not hold up a scrape.
    executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "ops-http");
              t.setDaemon(true);
              return t;
            });
    s.setExecutor(executor);
    s.start();
    server = s;
    return s.getAddress().getPort();
  }

  /** The bound port; fails before {@link #start}. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("metrics server not started");
    }
    return server.getAddress().getPort();
  }

  private void ready(HttpExchange exchange) throws IOException {
    Optional<String> reason = readiness.notReadyReason();
    if (reason.isPresent()) {
      answer(exchange, 503, "not ready: " + reason.get() + "\n");
    } else {
      answer(exchange, 200, "ready\n");
    }
  }

  private static void answer(HttpExchange exchange, int code, String text) throws IOException {
    try (exchange) {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(code, -1);
        return;
      }
      exchange.sendResponseHeaders(code, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      server = null;
      executor.shutdownNow();
    }
  }
}
