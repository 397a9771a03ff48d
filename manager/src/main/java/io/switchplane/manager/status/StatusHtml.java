package io.switchplane.manager.status;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import io.switchplane.manager.status.StatusView.DvsRow;
import io.switchplane.manager.status.StatusView.EventRow;
import io.switchplane.manager.status.StatusView.HostRow;
import io.switchplane.manager.status.StatusView.Progress;
import io.switchplane.manager.status.StatusView.RollbackRow;
import io.switchplane.manager.status.StatusView.Snapshot;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The status page as HTML, rendered on the server: the whole page, and the fragment ({@code
 * <main>}'s content) its script fetches again every second. Every text from the model goes through
 * {@link #text} (names, errors and event details are operator input or agent output). Stateless.
 */
final class StatusHtml {
  private static final Escaper ESCAPER = HtmlEscapers.htmlEscaper();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private StatusHtml() {}

  /** The whole page: the fragment inside a frame that links the style and the script. */
  static String page(Snapshot s) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>Switchplane status</title>"
        + "<link rel=\"stylesheet\" href=\"status/style.css\">"
        + "<script src=\"status/app.js\" defer></script></head>\n"
        + "<body><header><h1>Switchplane</h1><span id=\"live\" data-live=\"true\">live</span>"
        + "</header>\n<main id=\"status\">"
        + fragment(s)
        + "</main></body></html>\n";
  }

  /** The content of {@code <main>}. */
  static String fragment(Snapshot s) {
    StringBuilder b = new StringBuilder(4096);
    b.append("<p class=\"meta\">manager <b>")
        .append(text(s.manager()))
        .append("</b> ")
        .append(s.leader() ? "(leader)" : "(not the leader: push status is on the leader)")
        .append(" &middot; as of <time id=\"asof\" datetime=\"")
        .append(Instant.ofEpochMilli(s.unixMs()))
        .append("\">")
        .append(time(s.unixMs()))
        .append("</time></p>\n");
    progress(b, s.newestChange());
    dvses(b, s);
    hosts(b, s);
    rollbacks(b, s);
    events(b, s);
    return b.toString();
  }

  private static void progress(StringBuilder b, Progress p) {
    b.append("<section id=\"progress\"");
    if (p == null) {
      b.append("><h2>Newest change</h2><p>No change committed since this manager started.</p>");
      b.append("</section>\n");
      return;
    }
    b.append(" data-dvs=\"")
        .append(text(p.dvs()))
        .append("\" data-generation=\"")
        .append(p.generation())
        .append("\" data-done=\"")
        .append(p.done())
        .append("\" data-hosts=\"")
        .append(p.hosts())
        .append("\"><h2>Newest change: ")
        .append(text(p.dvs()))
        .append(" generation ")
        .append(p.generation())
        .append("</h2><p>committed ")
        .append(time(p.committedUnixMs()))
        .append(p.by().isEmpty() ? "" : " by " + text(p.by()))
        .append("</p><progress max=\"")
        .append(Math.max(1, p.hosts()))
        .append("\" value=\"")
        .append(p.hosts() == 0 ? 1 : p.done())
        .append("\"></progress><p><b>")
        .append(p.done())
        .append("</b> of ")
        .append(p.hosts())
        .append(" hosts hold it");
    if (p.inFlight() > 0) {
      b.append(", ").append(p.inFlight()).append(" on their way");
    }
    if (p.trouble() > 0) {
      b.append(", <span class=\"bad\">").append(p.trouble()).append(" in trouble</span>");
    }
    b.append("</p></section>\n");
  }

  private static void dvses(StringBuilder b, Snapshot s) {
    b.append("<section><h2>Distributed switches</h2>");
    if (s.dvses().isEmpty()) {
      b.append("<p>None yet.</p></section>\n");
      return;
    }
    b.append("<table id=\"dvses\"><thead><tr><th>DVS</th><th>generation</th><th>members</th>")
        .append("<th>in sync</th></tr></thead><tbody>");
    for (DvsRow d : s.dvses()) {
      boolean all = d.inSync() == d.members();
      b.append("<tr class=\"dvs\" data-dvs=\"")
          .append(text(d.name()))
          .append("\" data-generation=\"")
          .append(d.generation())
          .append("\"><td>")
          .append(text(d.name()))
          .append("</td><td class=\"num\">")
          .append(d.generation())
          .append("</td><td class=\"num\">")
          .append(d.members())
          .append("</td><td class=\"num ")
          .append(all ? "good" : "warn")
          .append("\">")
          .append(d.inSync())
          .append("</td></tr>");
    }
    b.append("</tbody></table></section>\n");
  }

  private static void hosts(StringBuilder b, Snapshot s) {
    b.append("<section><h2>Hosts</h2><p class=\"states\">");
    for (Map.Entry<String, Integer> e : s.hostsByState().entrySet()) {
      b.append("<span class=\"state ")
          .append(text(e.getKey()))
          .append("\">")
          .append(text(e.getKey()))
          .append(" ")
          .append(e.getValue())
          .append("</span> ");
    }
    b.append("</p>");
    if (s.hosts().isEmpty()) {
      b.append("<p>No member hosts.</p></section>\n");
      return;
    }
    b.append("<table id=\"hosts\"><thead><tr><th>host</th><th>DVS</th><th>state</th>")
        .append("<th>desired</th><th>applied</th><th>confirmed</th><th>last change</th>")
        .append("<th>last error</th></tr></thead><tbody>");
    for (HostRow h : s.hosts()) {
      b.append("<tr class=\"host")
          .append(h.trouble() ? " trouble" : "")
          .append("\" data-host=\"")
          .append(text(h.host()))
          .append("\" data-dvs=\"")
          .append(text(h.dvs()))
          .append("\" data-state=\"")
          .append(text(h.state()))
          .append("\"><td>")
          .append(text(h.host()))
          .append("</td><td>")
          .append(text(h.dvs()))
          .append("</td><td><span class=\"state ")
          .append(text(h.state()))
          .append("\">")
          .append(text(h.state()))
          .append("</span></td><td class=\"num\">")
          .append(h.desired())
          .append("</td><td class=\"num\">")
          .append(h.applied())
          .append("</td><td class=\"num\">")
          .append(h.confirmed() == 0 ? "&ndash;" : String.valueOf(h.confirmed()))
          .append("</td><td>")
          .append(h.lastChangeUnixMs() == 0 ? "&ndash;" : time(h.lastChangeUnixMs()))
          .append("</td><td class=\"error\">")
          .append(text(h.lastError()))
          .append("</td></tr>");
    }
    b.append("</tbody></table></section>\n");
  }

  private static void rollbacks(StringBuilder b, Snapshot s) {
    if (s.rollbacks().isEmpty()) {
      return;
    }
    b.append("<section><h2>Rollbacks</h2><table id=\"rollbacks\"><thead><tr><th>when</th>")
        .append("<th>host</th><th>DVS</th><th>undid</th><th>back to</th><th>cause</th>")
        .append("</tr></thead><tbody>");
    for (RollbackRow r : s.rollbacks()) {
      b.append("<tr><td>")
          .append(time(r.unixMs()))
          .append("</td><td>")
          .append(text(r.host()))
          .append("</td><td>")
          .append(text(r.dvs()))
          .append("</td><td class=\"num\">")
          .append(r.generation())
          .append("</td><td class=\"num\">")
          .append(r.restored())
          .append("</td><td>")
          .append(text(r.cause()))
          .append("</td></tr>");
    }
    b.append("</tbody></table></section>\n");
  }

  private static void events(StringBuilder b, Snapshot s) {
    b.append("<section><h2>Recent events</h2>");
    if (s.events().isEmpty()) {
      b.append("<p>None yet.</p></section>\n");
      return;
    }
    b.append("<table id=\"events\"><thead><tr><th>#</th><th>when</th><th>what</th><th>DVS</th>")
        .append("<th>host</th><th>gen.</th><th>detail</th></tr></thead><tbody>");
    for (EventRow e : s.events()) {
      b.append("<tr class=\"event ")
          .append(text(e.kind()))
          .append("\"><td class=\"num\">")
          .append(e.sequence())
          .append("</td><td>")
          .append(time(e.unixMs()))
          .append("</td><td>")
          .append(text(e.kind()))
          .append("</td><td>")
          .append(text(e.dvs()))
          .append("</td><td>")
          .append(text(e.host()))
          .append("</td><td class=\"num\">")
          .append(e.generation())
          .append("</td><td>")
          .append(text(e.detail()))
          .append("</td></tr>");
    }
    b.append("</tbody></table></section>\n");
  }

  /** Text made safe for HTML content and quoted attribute values. */
  static String text(String s) {
    return ESCAPER.escape(s);
  }

  private static String time(long unixMs) {
    return TIME.format(Instant.ofEpochMilli(unixMs));
  }
}
