package io.switchplane.cli.ops;

import io.switchplane.api.v1.GetPushStatusRequest;
import io.switchplane.api.v1.GetPushStatusResponse;
import io.switchplane.api.v1.HostPushStatus;
import io.switchplane.api.v1.HostSyncState;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.cli.output.Describe;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Waiting until every member host of a DVS is in sync, as {@code kubectl wait} does: it ends, in
 * time, and says which hosts are not there yet and why. Used by {@code --wait} after a write and by
 * {@code status --watch --until-in-sync}.
 */
public final class SyncWait {
  /** How long a wait lasts unless told otherwise. */
  static final String DEFAULT_TIMEOUT = "2m";

  private static final long POLL_MS = 250;

  private SyncWait() {}

  /** A wait that ran out; the message names the hosts not in sync and why. */
  public static final class NotInSync extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotInSync(String message) {
      super(message);
    }
  }

  /**
   * Asks for the status of dvs until every host is in sync (returns 0) or timeoutMs passed (0: no
   * limit), then throws {@link NotInSync}. each: sees every answer, e.g. to print it.
   */
  static int await(
      ManagerServiceBlockingStub manager,
      String dvs,
      long timeoutMs,
      long pollMs,
      Consumer<GetPushStatusResponse> each) {
    return await(
        () ->
            manager
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getPushStatus(GetPushStatusRequest.newBuilder().setDvs(dvs).build()),
        timeoutMs,
        pollMs,
        each);
  }

  /**
   * As above, the status asked by fetch (e.g. merged from every owner of the DVSes: leadership per
   * DVS).
   */
  static int await(
      java.util.function.Supplier<GetPushStatusResponse> fetch,
      long timeoutMs,
      long pollMs,
      Consumer<GetPushStatusResponse> each) {
    long deadline =
        timeoutMs == 0
            ? Long.MAX_VALUE
            : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      GetPushStatusResponse r = fetch.get();
      each.accept(r);
      List<HostPushStatus> behind = behind(r);
      if (behind.isEmpty()) {
        return 0;
      }
      if (System.nanoTime() - deadline >= 0) {
        StringBuilder text =
            new StringBuilder(
                String.format(
                    "%d of %d hosts not in sync after %s:",
                    behind.size(), r.getHostsCount(), Durations.format(timeoutMs)));
        for (HostPushStatus h : behind) {
          text.append(
              String.format(
                  "%n  %s/%s: %s at generation %d of %d%s",
                  h.getDvsName(),
                  h.getHostName(),
                  Describe.state(h.getState()),
                  h.getAppliedGeneration(),
                  h.getDesiredGeneration(),
                  h.getLastError().isEmpty() ? "" : ": " + h.getLastError()));
        }
        throw new NotInSync(text.toString());
      }
      // A poll interval, not a wait for a condition: the condition is asked of the manager above.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pollMs));
      if (Thread.interrupted()) {
        return 130;
      }
    }
  }

  static int await(ManagerServiceBlockingStub manager, String dvs, long timeoutMs) {
    return await(manager, dvs, timeoutMs, POLL_MS, r -> {});
  }

  /** The hosts that are not in sync. */
  static List<HostPushStatus> behind(GetPushStatusResponse r) {
    return r.getHostsList().stream()
        .filter(h -> h.getState() != HostSyncState.HOST_SYNC_STATE_IN_SYNC)
        .toList();
  }
}
