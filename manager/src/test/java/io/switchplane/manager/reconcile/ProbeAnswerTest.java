package io.switchplane.manager.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.GetStateResponse;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.PendingConfirm;
import io.switchplane.api.v1.RollbackEvent;
import io.switchplane.manager.reconcile.ProbeAnswer.Verdict;
import org.junit.jupiter.api.Test;

class ProbeAnswerTest {
  private static final HostSwitchState WANTED =
      DesiredStateBuilder.build(PushFixtures.standard(2), "h0");
  private static final HostSwitchState OTHER =
      DesiredStateBuilder.build(PushFixtures.standard(2), "h1");

  private static HostSwitchState at(HostSwitchState state, long generation) {
    return state.toBuilder().setDvs(state.getDvs().toBuilder().setGeneration(generation)).build();
  }

  private static RollbackEvent undid(long generation) {
    return RollbackEvent.newBuilder()
        .setGeneration(generation)
        .setRestoredGeneration(generation - 1)
        .build();
  }

  @Test
  void anAgentWithNothingIsPushed() {
    ProbeAnswer answer = ProbeAnswer.read(WANTED, null);
    assertThat(answer.applied()).isNull();
    assertThat(answer.verdict(true, true, false)).isEqualTo(Verdict.PUSH);
    assertThat(answer.verdict(false, true, false)).isEqualTo(Verdict.STOPPED);
  }

  @Test
  void theSameContentAtANewerGenerationIsInSyncOnlyForTheNewestState() {
    ProbeAnswer answer =
        ProbeAnswer.read(WANTED, GetStateResponse.newBuilder().setApplied(at(WANTED, 5)).build());
    assertThat(answer.holdsWanted()).isTrue();
    assertThat(answer.verdict(true, true, false)).isEqualTo(Verdict.IN_SYNC);
    assertThat(answer.verdict(true, false, false))
        .isEqualTo(Verdict.PUSH); // a newer state arrived meanwhile
  }

  @Test
  void otherContentAfterARefusalAsOlderStands() {
    ProbeAnswer answer =
        ProbeAnswer.read(WANTED, GetStateResponse.newBuilder().setApplied(at(OTHER, 5)).build());
    assertThat(answer.verdict(true, true, true)).isEqualTo(Verdict.REFUSED_AS_OLDER);
    assertThat(answer.verdict(true, true, false)).isEqualTo(Verdict.PUSH);
    assertThat(answer.verdict(true, false, true)).isEqualTo(Verdict.PUSH);
  }

  @Test
  void onlyARollbackOfTheWantedGenerationStopsThePush() {
    long wanted = PushProtocol.generation(WANTED);
    ProbeAnswer undone =
        ProbeAnswer.read(
            WANTED, GetStateResponse.newBuilder().setLastRollback(undid(wanted)).build());
    assertThat(undone.undone()).isNotNull();
    assertThat(undone.verdict(true, true, false)).isEqualTo(Verdict.ROLLED_BACK);
    assertThat(undone.verdict(true, false, false)).isEqualTo(Verdict.PUSH);

    ProbeAnswer older =
        ProbeAnswer.read(
            WANTED, GetStateResponse.newBuilder().setLastRollback(undid(wanted - 1)).build());
    assertThat(older.undone()).isNull();
    assertThat(older.verdict(true, true, false)).isEqualTo(Verdict.PUSH);
  }

  @Test
  void aPendingApplyIsResolvedFirstAndConfirmedOnlyWhenItIsTheWantedContent() {
    PendingConfirm pending = PendingConfirm.newBuilder().setGeneration(7).setNonce("n").build();
    ProbeAnswer same =
        ProbeAnswer.read(
            WANTED,
            GetStateResponse.newBuilder()
                .setApplied(WANTED)
                .setPending(pending)
                .setLastRollback(undid(PushProtocol.generation(WANTED)))
                .build());
    assertThat(same.verdict(true, true, false)).isEqualTo(Verdict.RESOLVE_PENDING);
    assertThat(same.inSync(true)).isTrue();
    assertThat(same.inSync(false)).isFalse(); // undone, then the newer state pushed

    ProbeAnswer other =
        ProbeAnswer.read(
            WANTED, GetStateResponse.newBuilder().setApplied(OTHER).setPending(pending).build());
    assertThat(other.verdict(true, false, true)).isEqualTo(Verdict.RESOLVE_PENDING);
    assertThat(other.holdsWanted()).isFalse();
  }
}
