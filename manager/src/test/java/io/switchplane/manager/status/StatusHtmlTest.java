package io.switchplane.manager.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.manager.status.StatusView.DvsRow;
import io.switchplane.manager.status.StatusView.EventRow;
import io.switchplane.manager.status.StatusView.HostRow;
import io.switchplane.manager.status.StatusView.Progress;
import io.switchplane.manager.status.StatusView.Snapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The page's HTML: every text escaped, trouble marked. */
class StatusHtmlTest {
  private static final String EVIL = "<img src=x onerror=\"alert(1)\">&'";

  private static Snapshot snapshot() {
    return new Snapshot(
        1_700_000_000_000L,
        "m-1",
        true,
        List.of(new DvsRow("d1", "dvs1", 7, 2, 1)),
        Map.of("IN_SYNC", 1, "FAILED", 1),
        List.of(
            new HostRow("dvs1", "esx-2", "FAILED", 7, 6, 6, 1_700_000_000_000L, EVIL, true),
            new HostRow("dvs1", "esx-1", "IN_SYNC", 7, 7, 7, 1_700_000_000_000L, "", false)),
        new Progress("dvs1", 7, 1_700_000_000_000L, "alice", 2, 1, 1, 0),
        List.of(new EventRow(3, 1_700_000_000_000L, "push_failed", "dvs1", "esx-2", 7, EVIL)),
        List.of());
  }

  @Test
  void everyTextIsEscaped() {
    String html = StatusHtml.page(snapshot());
    assertThat(html)
        .doesNotContain(EVIL)
        .doesNotContain("<img")
        .contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;");
  }

  @Test
  void aHostInTroubleIsMarkedAndTheProgressCountsIt() {
    String html = StatusHtml.fragment(snapshot());
    assertThat(html)
        .contains(
            "<tr class=\"host trouble\" data-host=\"esx-2\" data-dvs=\"dvs1\" data-state=\"FAILED\">")
        .contains("<tr class=\"host\" data-host=\"esx-1\"")
        .contains("data-generation=\"7\" data-done=\"1\" data-hosts=\"2\"")
        .contains("<b>1</b> of 2 hosts hold it", "1 in trouble", "by alice")
        .doesNotContain("<script"); // the script is a file of its own (Content-Security-Policy)
  }
}
