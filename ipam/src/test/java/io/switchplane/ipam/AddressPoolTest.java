package io.switchplane.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddressPoolTest {
  private static Ip ip(String s) {
    return Ip.parse(s, "test");
  }

  private static AddressPool.Range range(String a, String b) {
    return new AddressPool.Range(ip(a), ip(b));
  }

  @Test
  void walksRangesInOrderSkippingExcludedAndWraps() {
    AddressPool pool =
        new AddressPool(
            List.of(range("10.0.0.20", "10.0.0.21"), range("10.0.0.10", "10.0.0.12")),
            Set.of(ip("10.0.0.11"), ip("10.0.0.99")));
    assertThat(pool.size()).isEqualTo(BigInteger.valueOf(4));
    List<String> order = new ArrayList<>();
    Ip at = ip("10.0.0.0");
    for (int i = 0; i < 6; i++) {
      Ip found = pool.next(at, x -> false, 100).orElseThrow();
      order.add(found.toString());
      at = found.plus(1);
    }
    assertThat(order)
        .containsExactly(
            "10.0.0.10", "10.0.0.12", "10.0.0.20", "10.0.0.21", "10.0.0.10", "10.0.0.12");
    assertThat(pool.contains(ip("10.0.0.11"))).isFalse();
    assertThat(pool.contains(ip("10.0.0.13"))).isFalse();
  }

  @Test
  void fullPoolYieldsNothingAfterOneRound() {
    AddressPool pool = new AddressPool(List.of(range("10.0.0.1", "10.0.0.254")), Set.of());
    Set<Ip> seen = new HashSet<>();
    Optional<Ip> none =
        pool.next(
            ip("10.0.0.77"),
            x -> {
              seen.add(x);
              return true; // every address taken
            },
            Long.MAX_VALUE);
    assertThat(none).isEmpty();
    assertThat(seen).hasSize(254);
  }

  @Test
  void ipv6SlashSixtyFourIsWalkedOnlyAsFarAsNeeded() {
    AddressPool pool =
        new AddressPool(List.of(range("2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff")), Set.of());
    assertThat(pool.size()).isEqualTo(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));
    int[] looked = {0};
    Ip found =
        pool.next(
                ip("2001:db8::ffff:ffff:ffff:fffe"),
                x -> {
                  looked[0]++;
                  return looked[0] <= 3;
                },
                1_000)
            .orElseThrow();
    // fffe, ffff taken, wraps to ::1 (taken), then ::2.
    assertThat(found).hasToString("2001:db8::2");
    assertThat(looked[0]).isEqualTo(4);
    assertThat(pool.next(ip("2001:db8::1"), x -> true, 1_000)).isEmpty();
  }
}
