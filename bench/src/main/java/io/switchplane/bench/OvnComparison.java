package io.switchplane.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * `bench --backend ovs --compare-ovn`: the OVN peer's scenarios and Switchplane's equivalents at
 * the same N, interleaved in blocks in one window (an OVN block, then a Switchplane block, until
 * each side has its samples), then one side-by-side table. OVN's figure is the wall clock of {@code
 * ovn-nbctl --wait=hv} (every chassis installed and acknowledged; for bind, also every VIF
 * ovn-installed); Switchplane's is from the commit to every host applied, and to every host
 * confirmed.
 *
 * <p>Pairs: OVN change-all (an ACL on a port group of every port) with a port-group setting on
 * every host; change-one (one port's port security) with one port's port group; bind (one new port
 * per chassis) with one new port per host.
 */
final class OvnComparison {
  private final OvnPeer peer;
  private final int hosts;
  private final int samples;
  private final int block;

  /**
   * @param samples per figure and side
   * @param block samples per block (the interleaving grain)
   */
  OvnComparison(OvnPeer peer, int hosts, int samples, int block) {
    if (samples < 1 || block < 1) {
      throw new IllegalArgumentException("samples and block must be at least 1");
    }
    this.peer = peer;
    this.hosts = hosts;
    this.samples = samples;
    this.block = block;
  }

  /**
   * Sets the peer up with as many chassis as hosts, runs the blocks, tears the peer down, prints
   * the table.
   *
   * @param switchplane runs one Switchplane block: (block index, runs) → its figures
   */
  void run(BiFunction<Integer, Integer, BenchCommand.OvsFigures> switchplane, PrintStream out) {
    Map<String, List<Long>> ovn = new LinkedHashMap<>();
    List<BenchCommand.OvsFigures> ours = new ArrayList<>();
    // A bench stopped by a signal (timeout, Ctrl-C) still stops the peer's daemons.
    Thread onSignal = new Thread(peer::close, "ovn-peer-teardown");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      out.printf("OVN peer: setting up %d chassis%n", hosts);
      peer.setup(hosts);
      int done = 0;
      for (int b = 0; done < samples; b++) {
        int n = Math.min(block, samples - done);
        long t0 = System.nanoTime();
        peer.bench(hosts, n)
            .forEach((s, v) -> ovn.computeIfAbsent(s, k -> new ArrayList<>()).addAll(v));
        long t1 = System.nanoTime();
        ours.add(switchplane.apply(b, n));
        done += n;
        out.printf(
            "block %d: OVN %d reps in %.1f s, Switchplane %d runs in %.1f s (load %s)%n",
            b + 1, n, (t1 - t0) / 1e9, n, (System.nanoTime() - t1) / 1e9, LoadAverage.now());
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs the teardown
      }
      peer.close();
    }
    BenchCommand.OvsFigures sp = BenchCommand.OvsFigures.concat(ours);
    out.println();
    table(ovn, sp).print(out);
    long[] noop = micros(ovn, "noop");
    if (noop.length > 0) {
      out.printf(
          "OVN noop (--wait=hv sync, nothing changed; about 7-9 ms of every OVN figure is"
              + " ovn-nbctl's own start): median %s%n",
          SideBySide.ms(BenchCommand.median(noop)));
    }
  }

  /** The table from OVN's samples by scenario and Switchplane's figures. */
  SideBySide table(Map<String, List<Long>> ovn, BenchCommand.OvsFigures sp) {
    String n = "N=" + hosts + ", " + samples + " samples each";
    return new SideBySide("FIGURE (" + n + ")")
        .row(
            "change on every host: commit -> all applied",
            micros(ovn, "change-all"),
            sp.everyHostAppliedMicros())
        .row(
            "change on every host: commit -> all confirmed",
            micros(ovn, "change-all"),
            sp.everyHostMicros())
        .row("change of one port: -> applied", micros(ovn, "change-one"), sp.onePortAppliedMicros())
        .row("change of one port: -> confirmed", micros(ovn, "change-one"), sp.onePortMicros())
        .row(
            "bind one new port per host: -> all applied",
            micros(ovn, "bind"),
            sp.bindAppliedMicros())
        .row("bind one new port per host: -> all confirmed", micros(ovn, "bind"), sp.bindMicros());
  }

  private static long[] micros(Map<String, List<Long>> ovn, String scenario) {
    return ovn.getOrDefault(scenario, List.of()).stream().mapToLong(Long::longValue).toArray();
  }
}
