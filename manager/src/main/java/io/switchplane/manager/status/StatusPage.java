package io.switchplane.manager.status;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-only status page over HTTP, for the manager's metrics port (register it at {@code /}):
 *
 * <ul>
 *   <li>{@code /} and {@code /status}: the page, rendered on the server ({@link StatusHtml});
 *   <li>{@code /status/fragment}: its {@code <main>} content, which the page's script fetches every
 *       second and swaps in, so the page updates by itself without a framework;
 *   <li>{@code /status.json}: the same {@link StatusView.Snapshot} as JSON, for scripts;
 *   <li>{@code /status/app.js}, {@code /status/style.css}: the script and style, served here so
 *       that the page's Content-Security-Policy allows nothing inline and nothing from elsewhere.
 * </ul>
 *
 * Anything else is 404, a method other than GET or HEAD 405. Stateless apart from the view.
 */
public final class StatusPage implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(StatusPage.class);
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  private static final Map<String, String> ASSETS =
      Map.of(
          "/status/app.js", "text/javascript; charset=utf-8",
          "/status/style.css", "text/css; charset=utf-8");
  private static final String POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
          + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final StatusView view;

  public StatusPage(StatusView view) {
    this.view = view;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", bytes("only GET and HEAD\n"));
        return;
      }
      String path = exchange.getRequestURI().getPath();
      switch (path) {
        case "/", "/status" ->
            send(
                exchange, 200, "text/html; charset=utf-8", bytes(StatusHtml.page(view.snapshot())));
        case "/status/fragment" ->
            send(
                exchange,
                200,
                "text/html; charset=utf-8",
                bytes(StatusHtml.fragment(view.snapshot())));
        case "/status.json" ->
            send(
                exchange,
                200,
                "application/json; charset=utf-8",
                bytes(GSON.toJson(view.snapshot())));
        default -> {
          String type = ASSETS.get(path);
          if (type == null) {
            send(exchange, 404, "text/plain; charset=utf-8", bytes("not found\n"));
          } else {
            send(exchange, 200, type, asset(path.substring("/status/".length())));
          }
        }
      }
    } catch (RuntimeException e) {
      // The JDK's server would drop the connection without a word: say it, once, here.
      LOG.warn("status page: {} failed", exchange.getRequestURI(), e);
      throw e;
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    exchange.getResponseHeaders().set("Content-Security-Policy", POLICY);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] asset(String name) {
    try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("status page asset missing from the jar: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
