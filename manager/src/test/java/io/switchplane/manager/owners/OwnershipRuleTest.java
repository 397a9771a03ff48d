package io.switchplane.manager.owners;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OwnershipRuleTest {
  private static final List<String> DVSES =
      IntStream.range(0, 30)
          .mapToObj(i -> UUID.nameUUIDFromBytes(("dvs" + i).getBytes()).toString())
          .toList();
  private static final List<String> THREE =
      List.of("127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003");

  @Test
  void everyDvsHasExactlyOneLiveOwnerAndTheSpreadIsEven() {
    for (int m = 1; m <= 7; m++) {
      for (int n : new int[] {0, 1, 2, 5, 29, 30, 31}) {
        List<String> managers = IntStream.range(0, m).mapToObj(i -> "mgr-" + i).toList();
        Map<String, String> owners =
            OwnershipRule.assign(managers, DVSES.subList(0, Math.min(n, 30)));
        assertThat(owners).hasSize(Math.min(n, 30));
        assertThat(owners.values()).allMatch(managers::contains);
        Map<String, Integer> counts = OwnershipRule.counts(managers, owners);
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        int min = counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
        assertThat(max - min).as("m=%d n=%d counts %s", m, n, counts).isLessThanOrEqualTo(1);
      }
    }
  }

  @Test
  void noLiveManagerOwnsNothing() {
    assertThat(OwnershipRule.assign(List.of(), DVSES)).isEmpty();
  }

  @Test
  void everyManagerComputesTheSameAnswerWhateverTheOrderItSees() {
    List<String> reversed = new ArrayList<>(THREE);
    java.util.Collections.reverse(reversed);
    List<String> dvsReversed = new ArrayList<>(DVSES);
    java.util.Collections.reverse(dvsReversed);
    assertThat(OwnershipRule.assign(reversed, dvsReversed))
        .isEqualTo(OwnershipRule.assign(THREE, DVSES));
  }

  @Test
  void aJoiningManagerTakesAFairShareAndOthersMostlyKeepTheirs() {
    Map<String, String> before = OwnershipRule.assign(THREE, DVSES);
    List<String> four = new ArrayList<>(THREE);
    four.add("127.0.0.1:7004");
    Map<String, String> after = OwnershipRule.assign(four, DVSES);
    long joinerShare = after.values().stream().filter("127.0.0.1:7004"::equals).count();
    assertThat(joinerShare).isBetween(7L, 8L);
    long moved = DVSES.stream().filter(d -> !before.get(d).equals(after.get(d))).count();
    // The joiner's share moves; the capacity bound may force a few more moves, never a reshuffle.
    assertThat(moved).isGreaterThanOrEqualTo(joinerShare).isLessThanOrEqualTo(joinerShare + 6);
  }

  @Test
  void aLeavingManagersDvsesGoToTheOthersAndTheRestMostlyStay() {
    Map<String, String> before = OwnershipRule.assign(THREE, DVSES);
    String leaver = THREE.get(1);
    List<String> two = THREE.stream().filter(m -> !m.equals(leaver)).toList();
    Map<String, String> after = OwnershipRule.assign(two, DVSES);
    Set<String> leaversDvses = new HashSet<>();
    before.forEach(
        (d, m) -> {
          if (m.equals(leaver)) leaversDvses.add(d);
        });
    assertThat(leaversDvses).hasSize(10);
    assertThat(after).hasSize(30);
    assertThat(after.values()).doesNotContain(leaver);
    long movedOthers =
        DVSES.stream()
            .filter(d -> !leaversDvses.contains(d) && !before.get(d).equals(after.get(d)))
            .count();
    assertThat(movedOthers).isLessThanOrEqualTo(4);
  }

  @Test
  void scoresSpreadFirstChoicesOverManagers() {
    List<String> managers = IntStream.range(0, 5).mapToObj(i -> "mgr-" + i).toList();
    int[] first = new int[5];
    for (int d = 0; d < 1000; d++) {
      String dvs = "dvs-" + d;
      int best = 0;
      for (int i = 1; i < 5; i++) {
        if (Long.compareUnsigned(
                OwnershipRule.score(managers.get(i), dvs),
                OwnershipRule.score(managers.get(best), dvs))
            > 0) {
          best = i;
        }
      }
      first[best]++;
    }
    assertThat(java.util.Arrays.stream(first).boxed().toList()).allMatch(c -> c > 150 && c < 250);
  }
}
