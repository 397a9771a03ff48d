package io.switchplane.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The OVN performance peer kept outside this repository (by default {@code ../shared/peers/ovn}
 * next to the repository; its README): a central OVN and N simulated chassis on this machine,
 * driven through its own scripts, {@code setup.sh N}, {@code bench.sh N REPS} and {@code
 * teardown.sh}. The peer keeps its run-time state in {@code /tmp/ovnpeer}, so one peer runs on the
 * machine at a time; a run already there is refused, not stopped.
 *
 * <p>Every script runs with a time limit; past it the script and its child processes are stopped by
 * pid. {@link #close} runs teardown.sh (which stops the peer's daemons by their pid files and
 * deletes its namespaces) if setup ran.
 */
final class OvnPeer implements AutoCloseable {
  /** The peer's run-time state (its env.sh). */
  private static final Path STATE = Path.of("/tmp/ovnpeer");

  private final Path scripts;
  private final Path work;
  private volatile boolean setUp;
  private int benchRuns;

  /**
   * @param scripts the peer's directory (setup.sh, bench.sh, teardown.sh)
   * @param work where this run keeps the peer's CSV files and script output
   */
  OvnPeer(Path scripts, Path work) {
    this.scripts = scripts;
    this.work = work;
  }

  /**
   * The peer's directory: SWITCHPLANE_OVN_PEER, else ../shared/peers/ovn beside the repository
   * (found from bin/switchplane, else the working directory).
   */
  static Path defaultDir() {
    String env = System.getenv("SWITCHPLANE_OVN_PEER");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String launcher = System.getProperty("switchplane.launcher");
    Path repo =
        launcher != null
            ? Path.of(launcher).toAbsolutePath().getParent().getParent()
            : Path.of("").toAbsolutePath();
    return repo.resolve("../shared/peers/ovn").normalize();
  }

  /** What keeps the peer from running here (null: nothing). */
  String missingPrerequisite() {
    for (String script : List.of("setup.sh", "bench.sh", "teardown.sh", "env.sh")) {
      if (!Files.isRegularFile(scripts.resolve(script))) {
        return "the OVN peer's "
            + script
            + " in "
            + scripts
            + " (--ovn-peer or SWITCHPLANE_OVN_PEER)";
      }
    }
    Path nbPid = STATE.resolve("central/nb.pid");
    try {
      if (Files.exists(nbPid)
          && ProcessHandle.of(Long.parseLong(Files.readString(nbPid).trim()))
              .filter(ProcessHandle::isAlive)
              .isPresent()) {
        return "no other OVN peer run: one is up ("
            + nbPid
            + " names a live process; its owner stops it with teardown.sh)";
      }
    } catch (IOException | NumberFormatException e) {
      // unreadable: setup.sh starts over anyway
    }
    return null;
  }

  /** Starts central OVN and n chassis (setup.sh n; it installs the packages if missing). */
  void setup(int n) {
    setUp = true; // from here on, close() tears down whatever part started
    run(Duration.ofMinutes(15), "setup-N" + n, "./setup.sh", Integer.toString(n));
  }

  /**
   * One block of the peer's scenarios, reps repetitions each (bench.sh n reps), from a clean
   * northbound database (the port group and switch of an earlier block removed, untimed).
   *
   * @return wall-clock samples in microseconds by scenario (noop, bind, change-all, change-one)
   */
  Map<String, List<Long>> bench(int n, int reps) {
    run(
        Duration.ofMinutes(2),
        "reset-" + benchRuns,
        "bash",
        "-c",
        // pg-del has no --if-exists
        ". ./env.sh && ovn-nbctl --if-exists ls-del ls0"
            + " && { [ -z \"$(ovn-nbctl --bare --columns=_uuid find Port_Group name=pg_all)\" ]"
            + " || ovn-nbctl pg-del pg_all; }"
            + " && ovn-nbctl --timeout=60 --wait=hv sync");
    Path out = work.resolve("ovn-block-" + benchRuns++);
    run(
        Duration.ofMinutes(15),
        out.getFileName().toString(),
        List.of("OUTDIR=" + out),
        "./bench.sh",
        Integer.toString(n),
        Integer.toString(reps));
    try {
      return parseCsv(Files.readAllLines(out.resolve("ovn-N" + n + ".csv")));
    } catch (IOException e) {
      throw new UncheckedIOException("no CSV from the OVN peer's bench.sh in " + out, e);
    }
  }

  /**
   * bench.sh's CSV (header scenario,rep,wall_ms,...): the wall_ms of each row, in microseconds, by
   * scenario in the order met.
   */
  static Map<String, List<Long>> parseCsv(List<String> lines) {
    if (lines.isEmpty() || !lines.get(0).startsWith("scenario,rep,wall_ms")) {
      throw new IllegalArgumentException(
          "not an OVN peer CSV (header scenario,rep,wall_ms,...): "
              + (lines.isEmpty() ? "empty" : lines.get(0)));
    }
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (cells.length < 3) {
        throw new IllegalArgumentException("OVN peer CSV row without wall_ms: " + line);
      }
      try {
        out.computeIfAbsent(cells[0], s -> new ArrayList<>())
            .add(Math.round(Double.parseDouble(cells[2]) * 1000));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("OVN peer CSV row with a bad wall_ms: " + line, e);
      }
    }
    return out;
  }

  /** Thread-safe: a shutdown hook may call it. */
  @Override
  public synchronized void close() {
    if (setUp) {
      setUp = false;
      run(Duration.ofMinutes(5), "teardown", "./teardown.sh");
    }
  }

  private void run(Duration limit, String name, String... command) {
    run(limit, name, List.of(), command);
  }

  /** Runs a command in the peer's directory, output to WORK/NAME.log; fails unless it exits 0. */
  private void run(Duration limit, String name, List<String> env, String... command) {
    Path log = work.resolve(name + ".log");
    try {
      Files.createDirectories(work);
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(scripts.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      for (String e : env) {
        pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
      }
      Process p = pb.start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        // the script and whatever it started (ovn-nbctl waits), by pid
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "OVN peer: " + String.join(" ", command) + " ran over " + limit + "; output: " + log);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "OVN peer: "
                + String.join(" ", command)
                + " failed (exit "
                + p.exitValue()
                + "): "
                + tail(log));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("OVN peer: cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running the OVN peer", e);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
  }
}
