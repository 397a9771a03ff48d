package io.switchplane.bench;

import io.switchplane.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bench's agents in a second JVM, so that the bench's JVM holds the manager alone and its CPU
 * time is the manager's cost. The child runs this class's {@link #main}: a {@link BenchFleet} of N
 * agents on loopback, whose endpoints it tells on stdout ({@link AgentsHandshake}); it stops when
 * its stdin ends, which is when the bench closes it or dies.
 *
 * <p>Same java command and class path as this JVM; the child gets this JVM's -Xmx/-Xms. Its stderr
 * (logs, progress) goes to this JVM's stderr; stdout after the handshake too.
 */
final class AgentsProcess implements AgentFleet {
  private final Process process;
  private final List<String> endpoints;

  private AgentsProcess(Process process, List<String> endpoints) {
    this.process = process;
    this.endpoints = endpoints;
  }

  /**
   * Starts the child with count agents named prefix-00001.., data in dir, each driving an Open
   * vSwitch of its own with ovs; returns once every agent serves, or fails (the child stopped) when
   * the child fails or does not tell its endpoints within timeout.
   */
  static AgentsProcess start(Path dir, int count, String backend, String prefix, Duration timeout) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-Xmx") || arg.startsWith("-Xms")) {
        command.add(arg);
      }
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            AgentsProcess.class.getName(),
            dir.toString(),
            Integer.toString(count),
            prefix,
            backend));
    Process process;
    try {
      process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the agents process", e);
    }
    // A child that says nothing is stopped; the read below then ends.
    CompletableFuture<Void> watchdog =
        CompletableFuture.runAsync(
            process::destroy,
            CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
    AgentsHandshake handshake = new AgentsHandshake(count);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    try {
      String line;
      boolean ready = false;
      while (!ready && (line = out.readLine()) != null) {
        ready = handshake.accept(line);
        if (!line.startsWith(AgentsHandshake.PREFIX)) {
          System.err.println(line);
        }
      }
      if (!ready) {
        throw new IllegalStateException(
            "the agents process ended (or was stopped after "
                + timeout.toSeconds()
                + " s) before it told where its agents listen");
      }
    } catch (IOException | RuntimeException e) {
      watchdog.cancel(false);
      stop(process);
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
    watchdog.cancel(false);
    // The child blocks if nobody reads its stdout.
    Thread drain =
        new Thread(
            () -> {
              try {
                out.lines().forEach(System.err::println);
              } catch (UncheckedIOException e) {
                // the child is gone
              }
            },
            "agents-process-stdout");
    drain.setDaemon(true);
    drain.start();
    return new AgentsProcess(process, handshake.endpoints());
  }

  long pid() {
    return process.pid();
  }

  /**
   * The child's exit code, once it ended: 0 when it stopped by itself at the end of its stdin,
   * after closing its agents.
   */
  int exitValue() {
    return process.exitValue();
  }

  @Override
  public String endpoint(int i) {
    return endpoints.get(i);
  }

  @Override
  public int size() {
    return endpoints.size();
  }

  @Override
  public Duration processCpu() {
    return process.info().totalCpuDuration().orElse(Duration.ZERO);
  }

  @Override
  public Optional<ProcessHandle> process() {
    return Optional.of(process.toHandle());
  }

  /**
   * Ends the child's stdin (it closes its agents and exits), then stops it by pid if it lingers.
   */
  @Override
  public void close() {
    stop(process);
  }

  private static void stop(Process process) {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (IOException e) {
      process.destroy();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The child: args DIR COUNT PREFIX memory|ovs|ovs-openflow. */
  public static void main(String[] args) throws IOException {
    Main.bridgeJavaLogging();
    PrintStream out = System.out;
    if (args.length != 4) {
      out.println(
          AgentsHandshake.failedLine(
              "usage: AgentsProcess DIR COUNT PREFIX memory|ovs|ovs-openflow"));
      out.flush();
      System.exit(2);
    }
    int count = Integer.parseInt(args[1]);
    BenchFleet fleet;
    try {
      fleet =
          BenchFleet.start(
              Path.of(args[0]),
              count,
              new Progress(System.err, "starting agents (agents process)", count),
              args[3],
              args[2],
              null);
    } catch (RuntimeException e) {
      out.println(AgentsHandshake.failedLine(e.toString()));
      out.flush();
      System.exit(1);
      return;
    }
    AtomicBoolean closed = new AtomicBoolean();
    Runnable close =
        () -> {
          if (closed.compareAndSet(false, true)) {
            fleet.close();
          }
        };
    // Stopped by pid (SIGTERM): still remove the namespaces and switches of --backend ovs.
    Runtime.getRuntime().addShutdownHook(new Thread(close, "agents-process-close"));
    for (int i = 0; i < count; i++) {
      out.println(AgentsHandshake.endpointLine(i, fleet.endpoint(i)));
    }
    out.println(AgentsHandshake.readyLine(count));
    out.flush();
    // Until the bench closes our stdin: it is done, or it died.
    System.in.transferTo(OutputStream.nullOutputStream());
    close.run();
    System.exit(0);
  }
}
