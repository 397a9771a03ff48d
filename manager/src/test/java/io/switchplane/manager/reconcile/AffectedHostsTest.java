package io.switchplane.manager.reconcile;

import static io.switchplane.manager.reconcile.PushFixtures.PG_A;
import static io.switchplane.manager.reconcile.PushFixtures.PG_B;
import static io.switchplane.manager.reconcile.PushFixtures.host;
import static io.switchplane.manager.reconcile.PushFixtures.next;
import static io.switchplane.manager.reconcile.PushFixtures.port;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.HostMember;
import io.switchplane.manager.model.DvsConfig;
import org.junit.jupiter.api.Test;

class AffectedHostsTest {
  private final DvsConfig base = PushFixtures.standard(6);

  @Test
  void newDvsAffectsEveryMember() {
    AffectedHosts.Result r = AffectedHosts.compute(null, base);

    assertThat(r.changed())
        .containsExactlyInAnyOrder(host(0), host(1), host(2), host(3), host(4), host(5));
    assertThat(r.left()).isEmpty();
  }

  @Test
  void portGroupChangeAffectsOnlyHostsUsingIt() {
    AffectedHosts.Result r = AffectedHosts.compute(base, next(base, PushFixtures.vlanOf(PG_B, 99)));

    assertThat(r.changed()).containsExactlyInAnyOrder(host(0), host(2), host(4));
    assertThat(r.left()).isEmpty();
  }

  @Test
  void onePortChangeAffectsOneHost() {
    AffectedHosts.Result r =
        AffectedHosts.compute(base, next(base, PushFixtures.touchPort("h3-a", "x")));

    assertThat(r.changed()).containsExactly(host(3));
  }

  @Test
  void addedAndRemovedPortsAffectTheirHosts() {
    DvsConfig after =
        next(
            base,
            b -> {
              b.ports().remove("h1-a");
              b.ports().put("new", port("new", PG_A, host(5)));
              b.ports().put("unplaced", port("unplaced", PG_A, ""));
            });

    assertThat(AffectedHosts.compute(base, after).changed())
        .containsExactlyInAnyOrder(host(1), host(5));
  }

  @Test
  void movedPortAffectsBothHosts() {
    DvsConfig after = next(base, b -> b.ports().put("h1-a", port("h1-a", PG_A, host(4))));

    assertThat(AffectedHosts.compute(base, after).changed())
        .containsExactlyInAnyOrder(host(1), host(4));
  }

  @Test
  void dvsSettingsChangeAffectsAllMembers() {
    DvsConfig mtu = next(base, b -> b.dvs(b.dvs().toBuilder().setMtu(9000).build()));
    DvsConfig policy =
        next(
            base,
            b ->
                b.dvs(
                    b.dvs().toBuilder()
                        .setDefaultPolicy(PushFixtures.portGroup("x", 7).getPolicy())
                        .build()));
    DvsConfig description =
        next(base, b -> b.dvs(b.dvs().toBuilder().setDescription("rack 4").build()));

    assertThat(AffectedHosts.compute(base, mtu).changed()).hasSize(6);
    assertThat(AffectedHosts.compute(base, policy).changed()).hasSize(6);
    assertThat(AffectedHosts.compute(base, description).changed()).hasSize(6);
  }

  @Test
  void joinedAndLeftHosts() {
    DvsConfig after =
        next(
            base,
            b -> {
              b.ports().remove("h5-a");
              b.dvs(
                  b.dvs().toBuilder()
                      .removeMembers(5)
                      .addMembers(PushFixtures.member("h9"))
                      .build());
            });

    AffectedHosts.Result r = AffectedHosts.compute(base, after);

    assertThat(r.changed()).containsExactly("h9");
    assertThat(r.left()).containsExactly(host(5));
  }

  @Test
  void changedUplinkNicsAffectThatHost() {
    DvsConfig after =
        next(
            base,
            b ->
                b.dvs(
                    b.dvs().toBuilder()
                        .setMembers(
                            2,
                            HostMember.newBuilder()
                                .setHostId(host(2))
                                .putUplinkNics("uplink1", "eth7"))
                        .build()));

    assertThat(AffectedHosts.compute(base, after).changed()).containsExactly(host(2));
  }

  @Test
  void nothingChangedAffectsNobody() {
    assertThat(AffectedHosts.compute(base, next(base, b -> {})).isEmpty()).isTrue();
  }
}
