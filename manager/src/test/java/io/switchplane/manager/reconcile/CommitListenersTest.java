package io.switchplane.manager.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.switchplane.manager.model.DvsConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommitListenersTest {
  /** Records the calls it gets under its name; throws on every call when failing. */
  private record Recorder(String name, List<String> calls, boolean failing)
      implements CommitListener {
    @Override
    public void committed(CommittedChange change, PushIntent intent) {
      calls.add(name + ".committed");
      fail();
    }

    @Override
    public void decided(
        String dvsId, long generation, Collection<String> hostIds, boolean commit, String why) {
      calls.add(name + ".decided " + dvsId + "@" + generation + " " + commit);
      fail();
    }

    @Override
    public void deleted(DvsConfig last) {
      calls.add(name + ".deleted");
      fail();
    }

    private void fail() {
      if (failing) {
        throw new IllegalStateException(name + " failed");
      }
    }
  }

  @Test
  void everyListenerIsToldInOrder() {
    List<String> calls = new ArrayList<>();
    CommitListeners all = new CommitListeners(new Recorder("push", calls, false));
    all.add(new Recorder("trackers", calls, false));

    all.committed(CommittedChange.of(null, PushFixtures.standard(1)), PushIntent.BEST_EFFORT);
    all.decided("d1", 7, List.of("h1"), true, "all applied");
    all.deleted(null);

    assertThat(calls)
        .containsExactly(
            "push.committed",
            "trackers.committed",
            "push.decided d1@7 true",
            "trackers.decided d1@7 true",
            "push.deleted",
            "trackers.deleted");
  }

  @Test
  void aFailingListenerDoesNotKeepTheOthersFromBeingToldAndTheFirstFailureIsRethrown() {
    List<String> calls = new ArrayList<>();
    CommitListeners all = new CommitListeners(new Recorder("push", calls, true));
    all.add(new Recorder("trackers", calls, false));
    all.add(new Recorder("third", calls, true));

    Throwable t =
        catchThrowable(
            () ->
                all.committed(
                    CommittedChange.of(null, PushFixtures.standard(1)), PushIntent.BEST_EFFORT));

    assertThat(calls).containsExactly("push.committed", "trackers.committed", "third.committed");
    assertThat(t).isInstanceOf(IllegalStateException.class).hasMessage("push failed");
    assertThat(t.getSuppressed()).extracting(Throwable::getMessage).containsExactly("third failed");
  }
}
