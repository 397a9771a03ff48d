package io.switchplane.rpc.metrics;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serves {@link Metrics#render()} at {@code /metrics} over HTTP (the JDK's server, one thread), for
 * Prometheus to scrape, and whatever else a process adds with {@link #route} (one HTTP port per
 * process). Lifecycle: the constructor does nothing; {@link #start} binds; {@link #close} stops.
 */
public final class MetricsHttpServer implements AutoCloseable {
  private final Metrics metrics;
  private final Map<String, HttpHandler> routes = new LinkedHashMap<>();
  private HttpServer server;

  public MetricsHttpServer(Metrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Serves path (and, as the JDK's server does, every path under it that no longer route claims)
   * with handler; before or after {@link #start}. Returns this.
   */
  public synchronized MetricsHttpServer route(String path, HttpHandler handler) {
    if (path.equals("/metrics") || routes.putIfAbsent(path, handler) != null) {
      throw new IllegalArgumentException("path already served: " + path);
    }
    if (server != null) {
      server.createContext(path, handler);
    }
    return this;
  }

  /** Binds host:port (0: any free port) and serves; returns the port. */
  public synchronized int start(String host, int port) {
    if (server != null) {
      throw new IllegalStateException("metrics server already started");
    }
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port, e);
    }
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = metrics.render().getBytes(StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    routes.forEach(server::createContext);
    server.start();
    return server.getAddress().getPort();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }
}
