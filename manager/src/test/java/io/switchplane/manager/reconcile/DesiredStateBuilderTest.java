package io.switchplane.manager.reconcile;

import static io.switchplane.manager.reconcile.PushFixtures.PG_A;
import static io.switchplane.manager.reconcile.PushFixtures.PG_B;
import static io.switchplane.manager.reconcile.PushFixtures.host;
import static io.switchplane.manager.reconcile.PushFixtures.next;
import static io.switchplane.manager.reconcile.PushFixtures.port;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.common.validation.HostStateValidator;
import io.switchplane.manager.model.DvsConfig;
import org.junit.jupiter.api.Test;

class DesiredStateBuilderTest {
  private final DvsConfig config =
      next(
          PushFixtures.standard(4),
          b -> {
            // unsorted insertion: the builder must sort
            b.ports().put("h0-0", port("h0-0", PG_B, host(0)));
            b.portGroups().put("pg-unused", PushFixtures.portGroup("pg-unused", 30));
          });

  @Test
  void buildsTheWholeFinalStateOfOneHost() {
    HostSwitchState s = DesiredStateBuilder.build(config, host(0));

    assertThat(s.getHostId()).isEqualTo(host(0));
    assertThat(s.getMember()).isTrue();
    assertThat(s.getDvs().getGeneration()).isEqualTo(2);
    assertThat(s.getDvs().getMembersList()).extracting(m -> m.getHostId()).containsExactly(host(0));
    assertThat(s.getPortsList()).extracting(Port::getKey).containsExactly("h0-0", "h0-a", "h0-b");
    assertThat(s.getPortGroupsList()).extracting(PortGroup::getId).containsExactly(PG_A, PG_B);
    HostStateValidator.validate(s);
  }

  @Test
  void carriesOnlyThePortGroupsTheHostUses() {
    HostSwitchState odd = DesiredStateBuilder.build(config, host(1));

    assertThat(odd.getPortGroupsList()).extracting(PortGroup::getId).containsExactly(PG_A);
    assertThat(odd.getPortsList()).extracting(Port::getKey).containsExactly("h1-a");
  }

  @Test
  void refusesAHostThatIsNoMember() {
    assertThatThrownBy(() -> DesiredStateBuilder.build(config, "stranger"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stranger");
  }

  @Test
  void tombstoneRemovesTheSwitch() {
    HostSwitchState t = DesiredStateBuilder.tombstone(config.dvs(), 9, host(2));

    assertThat(t.getMember()).isFalse();
    assertThat(t.getDvs().getGeneration()).isEqualTo(9);
    assertThat(t.getDvs().getMembersList()).isEmpty();
    assertThat(t.getPortsList()).isEmpty();
    HostStateValidator.validate(t);
  }

  @Test
  void sameContentIgnoresTheGenerationOnly() {
    DvsConfig later = next(config, b -> {});
    DvsConfig changed = next(config, PushFixtures.touchPort("h0-a", "moved"));

    assertThat(
            DesiredStateBuilder.sameContent(
                DesiredStateBuilder.build(config, host(0)),
                DesiredStateBuilder.build(later, host(0))))
        .isTrue();
    assertThat(
            DesiredStateBuilder.sameContent(
                DesiredStateBuilder.build(config, host(0)),
                DesiredStateBuilder.build(changed, host(0))))
        .isFalse();
    assertThat(DesiredStateBuilder.sameContent(DesiredStateBuilder.build(config, host(0)), null))
        .isFalse();
    assertThat(
            DesiredStateBuilder.sameContent(
                DesiredStateBuilder.build(config, host(0)),
                DesiredStateBuilder.tombstone(config.dvs(), 2, host(0))))
        .isFalse();
  }
}
