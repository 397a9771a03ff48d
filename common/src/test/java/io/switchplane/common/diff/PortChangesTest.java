package io.switchplane.common.diff;

import static io.switchplane.common.Fixtures.port;
import static io.switchplane.common.Fixtures.vlanPolicy;
import static io.switchplane.common.Fixtures.withPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.api.v1.Connectee;
import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PropertyEntry;
import io.switchplane.api.v1.UplinkNic;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.properties.PropertyRules;
import io.switchplane.common.validation.HostStateValidator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * One pass finds what changed; validation, resolution and diff of what changed give what the whole
 * state's would.
 */
class PortChangesTest {
  private static final int PORTS = 1000;
  private HostSwitchState base;

  @BeforeEach
  void setUp() {
    base = withPorts(PORTS);
  }

  private HostSwitchState next(List<Port> ports) {
    return base.toBuilder()
        .setDvs(base.getDvs().toBuilder().setGeneration(2))
        .clearPorts()
        .addAllPorts(ports)
        .build();
  }

  @Test
  void findsAddedUpdatedAndRemovedPortsInOrder() {
    List<Port> ports = new ArrayList<>(base.getPortsList());
    Port updated = ports.get(7).toBuilder().setPolicy(vlanPolicy(99, false)).build();
    ports.set(7, updated);
    Port removed = ports.remove(500);
    Port added = port("p00500x", "a");
    ports.add(500, added);
    HostSwitchState next = next(ports);

    PortChanges changes = PortChanges.between(base, next);

    assertThat(changes.ordered()).isTrue();
    assertThat(changes.whole()).isFalse();
    assertThat(changes.changed()).containsExactly(updated, added);
    assertThat(changes.removed()).containsExactly(removed);
    assertThat(changes.before()).containsOnlyKeys("p00007");
  }

  @Test
  void portsOutOfOrderAreMatchedByKeyWithTheSameResult() {
    List<Port> ports = new ArrayList<>(base.getPortsList());
    Port updated = ports.get(7).toBuilder().setPolicy(vlanPolicy(99, false)).build();
    ports.set(7, updated);
    Port removed = ports.remove(3);
    Collections.reverse(ports);

    PortChanges changes = PortChanges.between(base, next(ports));

    assertThat(changes.ordered()).isFalse();
    assertThat(changes.changed()).containsExactly(updated);
    assertThat(changes.removed()).containsExactly(removed);
  }

  @RepeatedTest(300)
  void anAscendingPreviousGivesTheSameChangesWithoutCheckingItsOrder(RepetitionInfo rep) {
    Random random = new Random(rep.getCurrentRepetition() * 31_337L);
    HostSwitchState previous = next(randomPorts(random, true));
    HostSwitchState next = next(randomPorts(random, random.nextInt(4) > 0));

    PortChanges told = PortChanges.between(previous, next, ascending(previous.getPortsList()));

    assertThat(told).isEqualTo(PortChanges.between(previous, next));
    assertThat(told.ordered()).isEqualTo(ascending(next.getPortsList()));
  }

  /**
   * Up to 12 ports over keys k00..k14 with one of two VLANs, in key order when sorted (duplicates
   * possible), else shuffled.
   */
  private static List<Port> randomPorts(Random random, boolean sorted) {
    List<Port> ports = new ArrayList<>();
    int n = random.nextInt(13);
    for (int i = 0; i < n; i++) {
      Port port = port(String.format("k%02d", random.nextInt(15)), "a");
      ports.add(
          random.nextBoolean() ? port : port.toBuilder().setPolicy(vlanPolicy(7, false)).build());
    }
    if (sorted) {
      ports.sort(java.util.Comparator.comparing(Port::getKey));
      if (random.nextInt(3) > 0) { // mostly strictly ascending: one port per key
        List<Port> unique = new ArrayList<>();
        for (Port port : ports) {
          if (unique.isEmpty() || !unique.get(unique.size() - 1).getKey().equals(port.getKey())) {
            unique.add(port);
          }
        }
        return unique;
      }
    } else {
      Collections.shuffle(ports, random);
    }
    return ports;
  }

  private static boolean ascending(List<Port> ports) {
    for (int i = 1; i < ports.size(); i++) {
      if (ports.get(i - 1).getKey().compareTo(ports.get(i).getKey()) >= 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void nothingBeforeMeansEveryPortChanged() {
    PortChanges changes = PortChanges.between(null, base);
    assertThat(changes.whole()).isTrue();
    assertThat(changes.changed()).hasSize(PORTS);
  }

  @Test
  void resolvingWhatChangedGivesWhatResolvingEverythingGives() {
    var before = EffectiveStateResolver.resolveAll(base);
    List<Port> ports = new ArrayList<>(base.getPortsList());
    ports.set(9, ports.get(9).toBuilder().setPolicy(vlanPolicy(42, false)).build());
    ports.remove(20);
    ports.add(port("p99999", "b"));
    HostSwitchState next = next(ports);

    var result =
        EffectiveStateResolver.resolve(base, before, next, PortChanges.between(base, next));

    assertThat(result.resolutions()).isEqualTo(2);
    assertThat(result.ports()).isEqualTo(EffectiveStateResolver.resolveAll(next));
    assertThat(PortDiff.diff(before, result.ports(), result.touched()))
        .isEqualTo(PortDiff.diff(before, result.ports()))
        .extracting(PortOp::key)
        .containsExactly("p99999", "p00009", "p00020");
  }

  @Test
  void aChangedPortIsRefusedAsTheWholeCheckWouldRefuseIt() {
    List<Port> ports = new ArrayList<>(base.getPortsList());
    ports.set(5, ports.get(5).toBuilder().setPortGroupId("nope").build());
    HostSwitchState next = next(ports);

    assertThatThrownBy(
            () -> HostStateValidator.validateChange(base, next, PortChanges.between(base, next)))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("port p00005 refers to port group nope");
  }

  @Test
  void aDuplicateKeyIsRefused() {
    List<Port> ports = new ArrayList<>(base.getPortsList());
    ports.add(ports.get(0));
    HostSwitchState next = next(ports);

    assertThatThrownBy(
            () -> HostStateValidator.validateChange(base, next, PortChanges.between(base, next)))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("lists port p00000 twice");
  }

  @Test
  void aChangedPortTakingAnUnchangedPortsNicIsRefused() {
    Connectee nic =
        Connectee.newBuilder().setUplinkNic(UplinkNic.newBuilder().setUplink("uplink1")).build();
    List<Port> ports = new ArrayList<>(base.getPortsList());
    ports.set(1, ports.get(1).toBuilder().setConnectee(nic).build());
    HostSwitchState withNic = next(ports);
    HostStateValidator.validate(withNic);
    ports.set(2, ports.get(2).toBuilder().setConnectee(nic).build());
    HostSwitchState twice = withNic.toBuilder().setPorts(2, ports.get(2)).build();

    assertThatThrownBy(
            () ->
                HostStateValidator.validateChange(
                    withNic, twice, PortChanges.between(withNic, twice)))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("are both the NIC of uplink uplink1");
  }

  @Test
  void theHostsPropertyBytesAreCountedAcrossUnchangedPorts() {
    // Each port carries 200 KB of properties; the host state's limit is 4 MiB.
    List<Port> ports = new ArrayList<>(base.getPortsList());
    for (int i = 0; i < 20; i++) {
      ports.set(i, withBytes(ports.get(i), 200_000));
    }
    HostSwitchState near = next(ports);
    HostStateValidator.validate(near);
    ports.set(20, withBytes(ports.get(20), 200_000));
    ports.set(21, withBytes(ports.get(21), 200_000));
    HostSwitchState over = near.toBuilder().clearPorts().addAllPorts(ports).build();

    assertThat(PropertyRules.bytes(over)).isGreaterThan(PropertyRules.MAX_BYTES_PER_HOST_STATE);
    assertThatThrownBy(
            () -> HostStateValidator.validateChange(near, over, PortChanges.between(near, over)))
        .isInstanceOf(SwitchplaneException.class)
        .hasMessageContaining("bytes of properties");
  }

  private static Port withBytes(Port port, int bytes) {
    List<PropertyEntry> entries = new ArrayList<>();
    for (int left = bytes, k = 0; left > 0; left -= 50_000, k++) {
      entries.add(
          PropertyEntry.newBuilder()
              .setNamespace("com.example.big")
              .setKey("k" + k)
              .setValue(com.google.protobuf.ByteString.copyFrom(new byte[Math.min(left, 50_000)]))
              .build());
    }
    return port.toBuilder().addAllProperties(entries).build();
  }
}
