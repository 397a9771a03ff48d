package io.switchplane.cli.resident;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResidentVerbsTest {
  private static boolean runs(String... args) {
    return ResidentVerbs.runs(args);
  }

  @Test
  void readsThatEndRunResident() {
    assertThat(runs("dvs", "list")).isTrue();
    assertThat(runs("--manager", "h:1", "dvs", "list", "-o", "json")).isTrue();
    assertThat(runs("port", "show", "d", "p1", "--explain")).isTrue();
    assertThat(runs("status", "d")).isTrue();
    assertThat(runs("host", "history", "host-1", "--dvs", "d")).isTrue();
    assertThat(runs("events")).isTrue();
    assertThat(runs("dvs", "list", "--ca", "/abs/ca.pem")).isTrue();
  }

  @Test
  void writesWatchesHelpAndRelativeFilesRunInAJvmOfTheirOwn() {
    assertThat(runs("dvs", "create", "d")).isFalse();
    assertThat(runs("dvs", "delete", "d")).isFalse();
    assertThat(runs("apply", "-f", "/abs/dvs.yaml")).isFalse();
    assertThat(runs("status", "d", "--watch")).isFalse();
    assertThat(runs("events", "--follow")).isFalse();
    assertThat(runs("dvs", "list", "--help")).isFalse();
    assertThat(runs("--help")).isFalse();
    assertThat(runs("dvs", "list", "--ca", "ca.pem")).isFalse();
    assertThat(runs("user", "login", "alice")).isFalse();
    assertThat(runs("up")).isFalse();
    assertThat(runs("dvs", "lst")).isFalse();
    assertThat(runs()).isFalse();
  }
}
