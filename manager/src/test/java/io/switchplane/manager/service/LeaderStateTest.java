package io.switchplane.manager.service;

import static io.switchplane.manager.ManagerFixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Dvs;
import io.switchplane.common.error.ErrorCode;
import io.switchplane.manager.model.DvsConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeaderStateTest {
  private static DvsConfig dvs(String id, String name, long generation) {
    return DvsConfig.of(
        Dvs.newBuilder().setId(id).setName(name).setGeneration(generation).build(),
        Map.of(),
        Map.of());
  }

  private final LeaderState state =
      new LeaderState(List.of(dvs("id-1", "sw1", 3), dvs("id-2", "sw2", 1)));

  @Test
  void findsADvsByIdOrName() {
    assertThat(state.byRef("id-1").dvs().getName()).isEqualTo("sw1");
    assertThat(state.byRef("sw2").id()).isEqualTo("id-2");
    assertThat(failure(ErrorCode.NOT_FOUND, () -> state.byRef("sw3")))
        .hasMessage("DVS 'sw3' not found");
    assertThat(failure(ErrorCode.INVALID_ARGUMENT, () -> state.byRef("")))
        .hasMessage("DVS missing: give its id or name");
  }

  @Test
  void aWriteNeedsTheDvsStillThereAtTheExpectedGeneration() {
    assertThat(state.forWrite("id-1", "sw1", 0).generation()).isEqualTo(3);
    assertThat(state.forWrite("id-1", "sw1", 3).generation()).isEqualTo(3);
    assertThat(failure(ErrorCode.ABORTED, () -> state.forWrite("id-1", "sw1", 2)))
        .hasMessage("DVS 'sw1' is at generation 3, not the expected 2; re-read and retry");

    state.remove("id-1");
    assertThat(failure(ErrorCode.NOT_FOUND, () -> state.forWrite("id-1", "sw1", 0)))
        .hasMessage("DVS 'sw1' not found");
  }

  @Test
  void aNameIsFreeForTheDvsThatHasIt() {
    state.requireFreeName("sw1", "id-1");
    state.requireFreeName("sw3", "id-1");
    assertThat(failure(ErrorCode.ALREADY_EXISTS, () -> state.requireFreeName("sw2", "id-1")))
        .hasMessage("a DVS named 'sw2' exists already");
  }
}
