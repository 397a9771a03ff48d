package io.switchplane.common.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** A layered map is the map a plain copy with the same changes would be, and leaves its source. */
class LayeredMapTest {

  @RepeatedTest(20)
  void followsAPlainMapThroughManyChangesAndFlattenings(RepetitionInfo rep) {
    Random random = new Random(rep.getCurrentRepetition() * 104_729L);
    int keys = 1 + random.nextInt(400);
    Map<String, Integer> model = new HashMap<>();
    int initial = random.nextInt(keys);
    for (int i = 0; i < initial; i++) {
      model.put("k" + random.nextInt(keys), random.nextInt(5));
    }
    LayeredMap<String, Integer> layered = LayeredMap.of(model);
    for (int step = 0; step < 200; step++) {
      Map<String, Integer> put = new HashMap<>();
      List<String> removed = new ArrayList<>();
      int n = random.nextInt(random.nextInt(10) == 0 ? 100 : 4);
      for (int i = 0; i < n; i++) {
        String key = "k" + random.nextInt(keys + 5);
        if (random.nextBoolean()) {
          removed.add(key);
        } else {
          put.put(key, random.nextInt(5));
        }
      }
      removed.removeAll(put.keySet());
      Map<String, Integer> before = new HashMap<>(model);
      LayeredMap<String, Integer> earlier = layered;
      removed.forEach(model::remove);
      model.putAll(put);

      layered = layered.with(put, removed);

      assertThat(layered).isEqualTo(model).hasSameHashCodeAs(model);
      assertThat(layered.size()).isEqualTo(model.size());
      assertThat(new HashMap<>(layered)).isEqualTo(model);
      assertThat(layered.keySet()).hasSize(model.size());
      for (int k = 0; k < keys + 5; k++) {
        assertThat(layered.get("k" + k)).isEqualTo(model.get("k" + k));
        assertThat(layered.containsKey("k" + k)).isEqualTo(model.containsKey("k" + k));
      }
      assertThat(earlier).isEqualTo(before);
    }
  }

  @Test
  void foldsOnceMoreKeysChangedThanTwiceTheRootOfTheBaseAndNeverForTheSameKeyAgain() {
    Map<String, Integer> source = new HashMap<>();
    for (int i = 0; i < 4_096; i++) {
      source.put("k" + i, i);
    }
    LayeredMap<String, Integer> layered = LayeredMap.of(source);
    for (int step = 0; step < 1_000; step++) {
      layered = layered.with(Map.of("k0", step), List.of());
    }
    assertThat(layered.layerSize()).isEqualTo(1);
    int limit = Math.max(32, 2 * (int) Math.sqrt(4_096)); // 128
    for (int i = 1; i < limit; i++) {
      layered = layered.with(Map.of("k" + i, -i), List.of());
    }
    assertThat(layered.layerSize()).isEqualTo(limit);

    layered = layered.with(Map.of(), List.of("k" + limit));

    assertThat(layered.layerSize()).isZero();
    assertThat(layered).hasSize(4_095).doesNotContainKey("k" + limit).containsEntry("k1", -1);
    assertThat(layered.with(Map.of(), List.of())).isSameAs(layered);
  }

  @Test
  void refusesNullKeysAndValues() {
    Map<String, Integer> nullValue = new HashMap<>();
    nullValue.put("a", null);
    Map<String, Integer> nullKey = new HashMap<>();
    nullKey.put(null, 1);

    assertThatThrownBy(() -> LayeredMap.of(nullValue)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> LayeredMap.of(nullKey)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> LayeredMap.of(Map.of("a", 1)).with(nullValue, List.of()))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void isReadOnlyAndCopiesWhatItIsMadeOf() {
    Map<String, Integer> source = new HashMap<>(Map.of("a", 1, "b", 2));
    LayeredMap<String, Integer> layered = LayeredMap.of(source).with(Map.of("c", 3), List.of("a"));
    source.put("z", 26);

    assertThat(layered).isEqualTo(Map.of("b", 2, "c", 3));
    assertThat(LayeredMap.of(layered)).isSameAs(layered);
    assertThat(layered.get(null)).isNull();
    assertThat(layered.containsKey(null)).isFalse();
    assertThatThrownBy(() -> layered.put("d", 4)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> layered.remove("b")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> layered.entrySet().iterator().next().setValue(9))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(layered::clear).isInstanceOf(UnsupportedOperationException.class);
  }
}
