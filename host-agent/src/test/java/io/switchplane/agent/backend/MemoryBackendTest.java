package io.switchplane.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.agent.AgentFixtures;
import io.switchplane.api.v1.EffectivePort;
import io.switchplane.common.diff.EffectiveStateResolver;
import io.switchplane.common.diff.PortDiff;
import io.switchplane.common.diff.PortOp;
import io.switchplane.common.error.SwitchplaneException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryBackendTest {
  private static final String DVS = AgentFixtures.DVS_ID;
  private final MemoryBackend backend = new MemoryBackend();
  private final Map<String, EffectivePort> ports =
      EffectiveStateResolver.resolveAll(AgentFixtures.standard(1, 10, 20));

  @Test
  void refusesOperationsThatDoNotMatchWhatItHas() throws BackendException {
    EffectivePort a1 = ports.get("a1");
    backend.apply(DVS, List.of(PortOp.add(a1)));
    EffectivePort otherA1 = ports.get("b1").toBuilder().setKey("a1").build();

    assertThatThrownBy(() -> backend.apply(DVS, List.of(PortOp.add(a1))))
        .hasMessageContaining("exists already");
    assertThatThrownBy(() -> backend.apply(DVS, List.of(PortOp.update(otherA1, a1))))
        .hasMessageContaining("does not have the configuration");
    assertThatThrownBy(() -> backend.apply(DVS, List.of(PortOp.remove(ports.get("a2")))))
        .hasMessageContaining("does not exist");
    assertThat(backend.ports(DVS)).containsExactly(Map.entry("a1", a1));
  }

  @Test
  void failureUndoesTheOperationsAlreadyDoneInReverse() throws BackendException {
    List<PortOp> adds = PortDiff.diff(Map.of(), ports);
    backend.failOnOperation(4);

    assertThatThrownBy(() -> backend.apply(DVS, adds))
        .isInstanceOfSatisfying(
            BackendException.class,
            e -> {
              assertThat(e.position()).isEqualTo(4);
              assertThat(e.failedOp()).isEqualTo(adds.get(3));
            })
        .hasMessageContaining("operation 4 of 5 (ADD b1)");
    assertThat(backend.ports(DVS)).isEmpty();

    backend.apply(DVS, adds);
    assertThat(backend.ports(DVS)).isEqualTo(ports);
    backend.apply(DVS, PortDiff.inverse(adds));
    assertThat(backend.ports(DVS)).isEmpty();
  }

  @Test
  void factoryKnowsMemoryAndNamesTheKnownOnes() {
    try (SwitchBackend created = Backends.create("memory", null, null)) {
      assertThat(created).isInstanceOf(MemoryBackend.class);
    }
    assertThatThrownBy(() -> Backends.create("nope", null, null))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("unknown backend 'nope'")
        .hasMessageContaining("memory");
  }
}
