package io.switchplane.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AgentsHandshakeTest {
  @Test
  void endpointsInOrderThenReadyAndOtherLinesSkipped() {
    AgentsHandshake h = new AgentsHandshake(2);
    assertThat(h.accept("some library's banner")).isFalse();
    assertThat(h.accept(AgentsHandshake.endpointLine(0, "127.0.0.1:40001"))).isFalse();
    assertThat(h.accept(AgentsHandshake.endpointLine(1, "127.0.0.1:40002"))).isFalse();
    assertThat(h.accept(AgentsHandshake.readyLine(2))).isTrue();
    assertThat(h.endpoints()).containsExactly("127.0.0.1:40001", "127.0.0.1:40002");
    assertThat(h.accept("more output after the handshake")).isTrue();
  }

  @Test
  void aFailureReportedByTheProcessCarriesItsMessage() {
    AgentsHandshake h = new AgentsHandshake(1);
    assertThatThrownBy(
            () -> h.accept(AgentsHandshake.failedLine("cannot bind\nsecond line of the trace")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("agents process failed: cannot bind | second line of the trace");
  }

  @Test
  void outOfOrderMalformedOrShortHandshakesAreRefused() {
    assertThatThrownBy(
            () -> new AgentsHandshake(2).accept(AgentsHandshake.endpointLine(1, "127.0.0.1:1")))
        .hasMessageContaining("expected endpoint 0");
    assertThatThrownBy(() -> new AgentsHandshake(1).accept("switchplane-agents endpoint 0 nowhere"))
        .hasMessageContaining("HOST:PORT");
    AgentsHandshake shortOne = new AgentsHandshake(2);
    shortOne.accept(AgentsHandshake.endpointLine(0, "127.0.0.1:1"));
    assertThatThrownBy(() -> shortOne.accept(AgentsHandshake.readyLine(1)))
        .hasMessageContaining("expected ready 2");
    assertThatThrownBy(() -> shortOne.accept(AgentsHandshake.readyLine(2)))
        .hasMessageContaining("ready with 1 of 2 endpoints");
    assertThatThrownBy(() -> new AgentsHandshake(1).accept("switchplane-agents hello"))
        .hasMessageContaining("unknown handshake line");
    assertThatThrownBy(() -> new AgentsHandshake(1).endpoints()).hasMessageContaining("not ready");
  }
}
