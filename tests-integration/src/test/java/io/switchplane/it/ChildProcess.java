package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchplane.cli.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A switchplane command (agent, manager) in its own JVM, on this test's class path, with its output
 * in a log file; killed with SIGKILL ({@link Process#destroyForcibly()} on Linux), the way a crash
 * or a power cut ends it: no shutdown hook, no flush.
 */
record ChildProcess(Process process, Path log, String endpoint) {
  private static final Pattern SERVING = Pattern.compile("serving on ([0-9.]+:\\d+)");

  /**
   * Starts `switchplane ARGS` with the given -D properties and waits until it says where it serves.
   */
  static ChildProcess start(Path dir, List<String> properties, String... args) throws IOException {
    return startIn(null, dir, properties, args);
  }

  /** As {@link #start}, inside the network namespace (null: this one). */
  static ChildProcess startIn(String namespace, Path dir, List<String> properties, String... args)
      throws IOException {
    List<String> prefix = new ArrayList<>();
    if (namespace != null) {
      prefix.addAll(List.of("ip", "netns", "exec", namespace));
    }
    List<String> jvm = new ArrayList<>(List.of("-Xmx256m"));
    properties.forEach(p -> jvm.add("-D" + p));
    Launched launched = launch(prefix, dir, jvm, Main.class.getName(), List.of(args));
    Process p = launched.process();
    Path log = launched.log();
    String[] endpoint = new String[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              if (!p.isAlive()) {
                throw new IllegalStateException(
                    "process exited with " + p.exitValue() + ":\n" + Files.readString(log));
              }
              Matcher m = SERVING.matcher(Files.readString(log));
              if (m.find()) {
                endpoint[0] = m.group(1);
                return true;
              }
              return false;
            });
    return new ChildProcess(p, log, endpoint[0]);
  }

  /**
   * Starts any main class of this test's class path (a ZooKeeper server, say) in its own JVM with
   * the given JVM options, without waiting for it: its endpoint is empty; the caller knows when it
   * is ready.
   */
  static ChildProcess startMain(
      Path dir, List<String> jvmOptions, String mainClass, List<String> args) throws IOException {
    Launched launched = launch(List.of(), dir, jvmOptions, mainClass, args);
    return new ChildProcess(launched.process(), launched.log(), "");
  }

  private record Launched(Process process, Path log) {}

  private static Launched launch(
      List<String> prefix, Path dir, List<String> jvmOptions, String mainClass, List<String> args)
      throws IOException {
    Files.createDirectories(dir);
    Path log = dir.resolve("process-" + System.nanoTime() + ".log");
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "-Djava.io.tmpdir=" + tmp));
    cmd.addAll(jvmOptions);
    cmd.add(mainClass);
    cmd.addAll(args);
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Launched(p, log);
  }

  /** The operating system's id of the process. */
  long pid() {
    return process.pid();
  }

  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the process printed text. */
  void awaitOutput(String text, Duration atMost) {
    await().atMost(atMost).until(() -> output().contains(text));
  }

  /** SIGKILL, and wait until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }
}
