package io.switchplane.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchplane.api.v1.Subnet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocationCursorTest {
  private static AllocationCursor cursor(String cidr) {
    return new AllocationCursor(
        SubnetSpec.of(Subnet.newBuilder().setName("s").setCidr(cidr).build()).pool());
  }

  @Test
  void proposesDistinctAddressesUntilThePoolIsPendingOrTaken() {
    AllocationCursor c = cursor("10.0.0.0/29"); // .1-.6
    Set<Ip> proposed = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      assertThat(proposed.add(c.propose().orElseThrow())).isTrue();
    }
    assertThat(c.propose()).isEmpty();
    Ip back = proposed.iterator().next();
    c.abandoned(back);
    assertThat(c.propose()).hasValue(back);
    proposed.forEach(c::taken);
    assertThat(c.propose()).isEmpty();
    assertThat(c.pending()).isZero();
  }

  @Test
  void releasedAddressComesBackAfterTheCursorWraps() {
    AllocationCursor c = cursor("10.0.0.0/29");
    Ip first = c.propose().orElseThrow();
    c.taken(first);
    Ip second = c.propose().orElseThrow();
    c.taken(second);
    c.released(first);
    List<String> next = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Ip ip = c.propose().orElseThrow();
      c.taken(ip);
      next.add(ip.toString());
    }
    assertThat(next).containsExactly("10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.1");
  }

  @Test
  void collisionsAreCountedUntilTheNextRefresh() {
    AllocationCursor c = cursor("10.0.0.0/29");
    assertThat(c.collided(c.propose().orElseThrow())).isEqualTo(1);
    assertThat(c.collided(c.propose().orElseThrow())).isEqualTo(2);
    assertThat(c.pending()).isZero();
    c.refresh(List.of());
    assertThat(c.collided(c.propose().orElseThrow())).isEqualTo(1);
  }

  @Test
  void refreshForgetsWhatOthersReleased() {
    AllocationCursor c = cursor("10.0.0.0/30"); // .1-.2
    c.taken(c.propose().orElseThrow());
    c.taken(c.propose().orElseThrow());
    assertThat(c.propose()).isEmpty();
    c.refresh(List.of(Ip.parse("10.0.0.1", "x")));
    assertThat(c.propose()).map(Ip::toString).hasValue("10.0.0.2");
  }

  @Test
  void theFamilysLastAddressWrapsToTheStart() {
    AllocationCursor c = cursor("255.255.255.254/31");
    assertThat(c.propose()).map(Ip::toString).hasValue("255.255.255.254");
    assertThat(c.propose()).map(Ip::toString).hasValue("255.255.255.255");
    assertThat(c.propose()).isEmpty();
    AllocationCursor v6 = cursor("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
    v6.taken(v6.propose().orElseThrow());
    v6.abandoned(v6.propose().orElseThrow());
    assertThat(v6.propose()).map(Ip::toString).hasValue("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  }

  @Test
  void ipv6ProposalsStayCheap() {
    AllocationCursor c = cursor("2001:db8::/64");
    for (int i = 0; i < 1000; i++) {
      c.taken(c.propose().orElseThrow());
    }
    assertThat(c.propose()).map(Ip::toString).hasValue("2001:db8::3e9");
  }
}
