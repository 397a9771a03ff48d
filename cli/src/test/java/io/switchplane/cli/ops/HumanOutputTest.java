package io.switchplane.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.ApplyOutcome;
import io.switchplane.api.v1.ChangeSummary;
import io.switchplane.api.v1.Event;
import io.switchplane.api.v1.EventKind;
import io.switchplane.api.v1.GetHostHistoryResponse;
import io.switchplane.api.v1.HistoryEntry;
import io.switchplane.api.v1.HistoryEntryKind;
import io.switchplane.api.v1.RollbackCause;
import io.switchplane.cli.output.Describe;
import io.switchplane.cli.output.Table;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What verbs print for people: host history with its rollback rows, event lines. */
class HumanOutputTest {
  private static final long T0 = 1_796_580_000_000L;

  private static String printed(Table t) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    t.print(new PrintStream(buf, true, StandardCharsets.UTF_8));
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void hostHistoryShowsARollbackAsARowOfItsOwn() {
    GetHostHistoryResponse r =
        GetHostHistoryResponse.newBuilder()
            .addEntries(
                HistoryEntry.newBuilder()
                    .setKind(HistoryEntryKind.HISTORY_ENTRY_KIND_ROLLBACK)
                    .setGeneration(1)
                    .setFromGeneration(2)
                    .setReason(RollbackCause.ROLLBACK_CAUSE_OPERATOR)
                    .setAppliedUnixMs(T0 + 60_000)
                    .setSummary(ChangeSummary.newBuilder().setUpdated(3))
                    .setOutcome(ApplyOutcome.APPLY_OUTCOME_CONFIRMED)
                    .setOutcomeUnixMs(T0 + 61_000))
            .addEntries(
                HistoryEntry.newBuilder()
                    .setKind(HistoryEntryKind.HISTORY_ENTRY_KIND_APPLY)
                    .setGeneration(2)
                    .setAppliedUnixMs(T0 + 1_000)
                    .setOutcome(ApplyOutcome.APPLY_OUTCOME_CONFIRMED)
                    .setOutcomeUnixMs(T0 + 2_000))
            .addEntries(
                HistoryEntry.newBuilder() // written before kinds existed: an apply
                    .setGeneration(1)
                    .setAppliedUnixMs(T0)
                    .setOutcome(ApplyOutcome.APPLY_OUTCOME_CONFIRMED)
                    .setOutcomeUnixMs(T0 + 500))
            .build();
    String[] lines = printed(HostCommand.History.table(r)).split("\n");
    assertThat(lines[0]).startsWith("GENERATION  EVENT");
    assertThat(lines[1])
        .startsWith("1           rollback from 2")
        .contains(Describe.time(T0 + 60_000), "+0 ~3 -0", "confirmed", "operator");
    assertThat(lines[2]).startsWith("2           apply").contains(Describe.time(T0 + 1_000));
    assertThat(lines[3]).startsWith("1           apply").contains(Describe.time(T0));
    assertThat(String.join("\n", lines)).doesNotContain(Long.toString(T0).substring(0, 8));
  }

  @Test
  void anEventNamesItsDvsAndSaysWhenInLocalTime() {
    Event e =
        Event.newBuilder()
            .setSequence(7)
            .setUnixMs(T0)
            .setKind(EventKind.EVENT_KIND_CONFIRMED)
            .setDvsId("0b6f3c1e-uuid")
            .setHostName("host-1")
            .setGeneration(4)
            .build();
    assertThat(EventsCommand.line(e, "dvs1"))
        .startsWith(Describe.time(T0) + " #7 confirmed")
        .contains("dvs=dvs1 host=host-1 gen=4")
        .doesNotContain("0b6f3c1e");
  }
}
