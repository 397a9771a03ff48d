package io.switchplane.common.diff;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.EffectivePolicy;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.api.v1.Vlan;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** apply(diff(a, b), a) == b on many random pairs, and the plan has the promised shape. */
class PortDiffPropertyTest {

  @RepeatedTest(500)
  void applyingTheDiffGivesTheDesiredState(RepetitionInfo rep) {
    Random random = new Random(rep.getCurrentRepetition() * 7919L);
    Map<String, EffectivePort> a = randomState(random);
    Map<String, EffectivePort> b = random.nextInt(4) == 0 ? mutate(a, random) : randomState(random);

    List<PortOp> ops = PortDiff.diff(a, b);

    assertThat(PortDiff.apply(ops, a)).isEqualTo(b);
    assertThat(PortDiff.apply(PortDiff.inverse(ops), b)).isEqualTo(a);
    assertThat(ops).allSatisfy(op -> assertThat(op.before()).isNotEqualTo(op.after()));
    assertThat(ops.stream().map(op -> op.kind().ordinal()).toList()).isSorted();
    long touched =
        b.keySet().stream().filter(k -> !b.get(k).equals(a.get(k))).count()
            + a.keySet().stream().filter(k -> !b.containsKey(k)).count();
    assertThat(ops).hasSize((int) touched);
  }

  @Test
  void identicalStatesGiveNoOperations() {
    Map<String, EffectivePort> a = randomState(new Random(1));
    assertThat(PortDiff.diff(a, new HashMap<>(a))).isEmpty();
  }

  @Test
  void summaryCountsEachKindAndCapsTheKeyList() {
    Map<String, EffectivePort> b = new HashMap<>();
    for (int i = 0; i < 150; i++) {
      b.put("p" + i, port("p" + i, 10));
    }
    var summary = PortDiff.summarize(PortDiff.diff(Map.of(), b), 0);
    assertThat(summary.getAdded()).isEqualTo(150);
    assertThat(summary.getTouchedPortKeysCount()).isEqualTo(PortDiff.SUMMARY_KEY_LIMIT);
    assertThat(summary.getTruncated()).isTrue();
  }

  private static Map<String, EffectivePort> randomState(Random random) {
    Map<String, EffectivePort> m = new HashMap<>();
    int n = random.nextInt(30);
    for (int i = 0; i < n; i++) {
      String key = "p" + random.nextInt(40);
      m.put(key, port(key, 1 + random.nextInt(5)));
    }
    return m;
  }

  private static Map<String, EffectivePort> mutate(Map<String, EffectivePort> a, Random random) {
    Map<String, EffectivePort> b = new HashMap<>(a);
    for (String key : a.keySet()) {
      if (random.nextInt(5) == 0) {
        b.put(key, port(key, 100 + random.nextInt(3)));
      }
    }
    return b;
  }

  private static EffectivePort port(String key, int vlan) {
    return EffectivePort.newBuilder()
        .setKey(key)
        .setPolicy(EffectivePolicy.newBuilder().setVlan(Vlan.newBuilder().setAccessId(vlan)))
        .build();
  }
}
