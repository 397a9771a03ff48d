package io.switchplane.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JitCompilersTest {
  @Test
  void aCompilerThreadCountsItsUserAndSystemTicks() {
    String c2 =
        "4711 (C2 CompilerThre) S 4700 4700 1 0 -1 1077936192 90 0 0 0 1234 56 0 0 20 0 31 0 100"
            + " 4096 100 18446744073709551615";
    assertThat(JitCompilers.ticksIfCompiler(c2)).isEqualTo(1290);
    String c1 = c2.replace("C2 CompilerThre", "C1 CompilerThre");
    assertThat(JitCompilers.ticksIfCompiler(c1)).isEqualTo(1290);
  }

  @Test
  void otherThreadsCountNothing() {
    String call = "4712 (agent-call-3) S 4700 4700 1 0 -1 1077936192 90 0 0 0 999 1 0 0 20 0 31 0";
    assertThat(JitCompilers.ticksIfCompiler(call)).isZero();
    // A name may itself hold ") (": the fields are counted from the last ')'.
    String odd = "4713 (x) (C2 CompilerThre) S 4700 4700 1 0 -1 1 90 0 0 0 7 3 0 0 20 0 31 0";
    assertThat(JitCompilers.ticksIfCompiler(odd)).isZero();
    assertThat(JitCompilers.ticksIfCompiler("garbage")).isZero();
  }
}
