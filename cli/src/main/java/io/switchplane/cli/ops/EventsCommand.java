package io.switchplane.cli.ops;

import io.switchplane.api.v1.Event;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.WatchEventsRequest;
import io.switchplane.cli.output.Describe;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `switchplane events`: pushes, confirms, rollbacks and atomic decisions, with their causes. */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = {
      "Show the leader's recent push events (applied, confirmed, rolled back, push failed, atomic",
      "committed / aborted) with their causes; --follow keeps printing new ones until Ctrl-C."
    })
public final class EventsCommand extends ManagerCommand {
  @Option(names = "--dvs", description = "Only this DVS (name or id).")
  String dvs = "";

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing events as they happen.")
  boolean follow;

  @Override
  protected int run(ManagerServiceBlockingStub manager) {
    // Without --follow: what the leader keeps, read until a short deadline ends the stream.
    ManagerServiceBlockingStub stub =
        follow ? manager.withDeadline(null) : manager.withDeadlineAfter(2, TimeUnit.SECONDS);
    Iterator<Event> events = stub.watchEvents(WatchEventsRequest.newBuilder().setDvs(dvs).build());
    try {
      while (events.hasNext()) {
        Event e = events.next();
        System.out.println(data() ? renderStreamed(e) : line(e, dvsName(manager, e.getDvsId())));
      }
    } catch (io.grpc.StatusRuntimeException e) {
      if (follow || e.getStatus().getCode() != io.grpc.Status.Code.DEADLINE_EXCEEDED) {
        throw e;
      }
    }
    return 0;
  }

  /** DVS names by id, asked again for an id not known yet (a DVS created while following). */
  private final Map<String, String> dvsNames = new HashMap<>();

  private String dvsName(ManagerServiceBlockingStub manager, String dvsId) {
    if (!dvsNames.containsKey(dvsId)) {
      dvsNames.putAll(Names.dvs(manager.withDeadlineAfter(10, TimeUnit.SECONDS)));
    }
    return dvsNames.getOrDefault(dvsId, dvsId); // deleted since: its id is all there is
  }

  static String line(Event e, String dvsName) {
    String kind =
        e.getKind().name().replace("EVENT_KIND_", "").toLowerCase(Locale.ROOT).replace('_', '-');
    String host = e.getHostName().isEmpty() ? "" : " host=" + e.getHostName();
    String by = e.getPrincipal().isEmpty() ? "" : " by=" + e.getPrincipal();
    return String.format(
        "%s #%d %-13s dvs=%s%s gen=%d%s %s",
        Describe.time(e.getUnixMs()),
        e.getSequence(),
        kind,
        dvsName,
        host,
        e.getGeneration(),
        by,
        e.getDetail());
  }
}
