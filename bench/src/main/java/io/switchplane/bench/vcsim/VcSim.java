package io.switchplane.bench.vcsim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.Socket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * govmomi's vCenter simulator (tests-integration/vcsim, built from Debian's packages) as a child
 * process on 127.0.0.1: a real vSphere SOAP API at {@link #sdkUrl()}, user "user", password "pass".
 * Built with vcsim/build.sh when the binary is missing. {@link #stop()} and {@link #start()} again
 * serve a fresh model on the same port (the simulator keeps no state), so a client sees a vCenter
 * that went away and came back.
 */
public final class VcSim implements AutoCloseable {
  public static final String USER = "user";
  public static final String PASSWORD = "pass";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /**
   * How big the simulated inventory is.
   *
   * @param vmsPerHost VMs per cluster host (the simulator places them within the cluster)
   */
  public record Size(
      int clusters, int hostsPerCluster, int vmsPerHost, int standaloneHosts, int portgroups) {
    /** 1 cluster of 3 hosts with 2 VMs each, no standalone host, 2 port groups. */
    public static final Size SMALL = new Size(1, 3, 2, 0, 2);

    /** 1,000 VMs on 50 hosts. */
    public static final Size BENCH = new Size(5, 10, 20, 0, 1);

    public int hosts() {
      return clusters * hostsPerCluster + standaloneHosts;
    }

    public int vms() {
      return clusters * hostsPerCluster * vmsPerHost;
    }
  }

  private final Path dir;
  private final Size size;
  private final List<String> extraArgs;
  private final boolean tls;
  private int port;
  private Process process;
  private Path log;

  private VcSim(Path dir, Size size, List<String> extraArgs) {
    this.dir = dir;
    this.size = size;
    this.extraArgs = List.copyOf(extraArgs);
    this.tls = extraArgs.contains("-tls");
  }

  /**
   * Builds the simulator if needed and starts it on a free port.
   *
   * @param extraArgs more vcsim flags, e.g. "-session-idle-timeout", "2s"; "-tls" serves https with
   *     the simulator's certificate for 127.0.0.1, written to {@link #certificateFile()}
   */
  public static VcSim start(Path dir, Size size, String... extraArgs) throws IOException {
    VcSim sim = new VcSim(dir, size, List.of(extraArgs));
    sim.start();
    return sim;
  }

  /** Starts it (again): on a free port the first time, on the same port after {@link #stop()}. */
  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("vcsim already running on port " + port);
    }
    Path binary = binary();
    Files.createDirectories(dir);
    Path portFile = dir.resolve("vcsim.port");
    Files.deleteIfExists(portFile);
    log = dir.resolve("vcsim-" + System.nanoTime() + ".log");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "-listen",
                "127.0.0.1:" + port,
                "-port-file",
                portFile.toString(),
                "-user",
                USER,
                "-password",
                PASSWORD,
                "-clusters",
                Integer.toString(size.clusters()),
                "-hosts",
                Integer.toString(size.hostsPerCluster()),
                "-vms-per-host",
                Integer.toString(size.vmsPerHost()),
                "-standalone-hosts",
                Integer.toString(size.standaloneHosts()),
                "-portgroups",
                Integer.toString(size.portgroups())));
    cmd.addAll(extraArgs);
    if (tls) {
      cmd.addAll(List.of("-cert-file", certificateFile().toString()));
    }
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    process = p;
    waitUntil(
        "vcsim to write its port",
        () -> {
          if (!p.isAlive()) {
            throw new IllegalStateException(
                "vcsim exited with " + p.exitValue() + ":\n" + Files.readString(log));
          }
          return Files.exists(portFile);
        });
    port = Integer.parseInt(Files.readString(portFile).strip());
    waitUntil("vcsim to accept connections on port " + port, this::accepts);
  }

  /** Stops it by its handle (SIGTERM, then SIGKILL) and waits until it is gone. */
  public synchronized void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  public boolean running() {
    Process p = process;
    return p != null && p.isAlive();
  }

  public int port() {
    return port;
  }

  public Size size() {
    return size;
  }

  /** The server certificate (PEM) when started with -tls. */
  public Path certificateFile() {
    return dir.resolve("vcsim.pem");
  }

  /** http://127.0.0.1:PORT/sdk (https with -tls) */
  public URL sdkUrl() {
    try {
      return new URL((tls ? "https" : "http") + "://127.0.0.1:" + port + "/sdk");
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What the simulator printed. */
  public String output() {
    try {
      return log == null ? "" : Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }

  private interface Check {
    boolean done() throws IOException;
  }

  /**
   * Polls every 50 ms: a child process gives no signal when it is ready but its port file and
   * socket.
   */
  private static void waitUntil(String what, Check check) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!check.done()) {
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "timed out after " + START_TIMEOUT.toSeconds() + " s waiting for " + what);
      }
      LockSupport.parkNanos(50_000_000L);
      if (Thread.currentThread().isInterrupted()) {
        throw new IOException("interrupted while waiting for " + what);
      }
    }
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The simulator binary: $SWITCHPLANE_VCSIM if set, else tests-integration/target/vcsim/vcsim of
   * this checkout (found from the working directory: the repository or tests-integration), built by
   * tests-integration/vcsim/build.sh when missing (once per JVM).
   */
  public static synchronized Path binary() throws IOException {
    String env = System.getenv("SWITCHPLANE_VCSIM");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    Path cwd = Path.of(System.getProperty("user.dir"));
    Path module =
        Files.exists(cwd.resolve("vcsim/build.sh")) ? cwd : cwd.resolve("tests-integration");
    Path binary = module.resolve("target/vcsim/vcsim");
    Path source = module.resolve("vcsim/main.go");
    // A binary older than main.go was built before a change to the simulator: build it again.
    if (Files.isExecutable(binary)
        && !(Files.exists(source)
            && Files.getLastModifiedTime(source).compareTo(Files.getLastModifiedTime(binary))
                > 0)) {
      return binary;
    }
    Path script = module.resolve("vcsim/build.sh");
    if (!Files.exists(script)) {
      throw new IOException(
          "no vCenter simulator: set SWITCHPLANE_VCSIM to its binary, or run this from a "
              + "Switchplane checkout (tests-integration/vcsim/build.sh builds it)");
    }
    Path buildLog = Files.createDirectories(module.resolve("target/vcsim")).resolve("build.log");
    Process build =
        new ProcessBuilder("bash", script.toString())
            .redirectErrorStream(true)
            .redirectOutput(buildLog.toFile())
            .start();
    try {
      if (!build.waitFor(5, TimeUnit.MINUTES)) {
        build.destroyForcibly();
        throw new IOException("vcsim/build.sh did not finish in 5 minutes");
      }
    } catch (InterruptedException e) {
      build.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while building vcsim", e);
    }
    if (build.exitValue() != 0 || !Files.isExecutable(binary)) {
      throw new IOException(
          "vcsim/build.sh failed (" + build.exitValue() + "):\n" + Files.readString(buildLog));
    }
    return binary;
  }
}
