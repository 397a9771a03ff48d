package io.switchplane.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchCommandTest {
  @Test
  void medianOfAnOddCountIsTheMiddleValue() {
    assertThat(BenchCommand.median(new long[] {9, 1, 5})).isEqualTo(5);
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
    assertThat(BenchCommand.median(new long[] {40, 10, 30, 20})).isEqualTo(25);
    assertThat(BenchCommand.median(new long[] {7, 3})).isEqualTo(5);
  }

  @Test
  void medianOfNothingIsRefused() {
    assertThatThrownBy(() -> BenchCommand.median(new long[0])).isInstanceOf(IllegalArgumentException.class);
  }
}
