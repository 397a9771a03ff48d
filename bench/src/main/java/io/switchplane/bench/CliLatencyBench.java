package io.switchplane.bench;

import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.cli.run.LocalStack;
import io.switchplane.cli.run.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `switchplane bench cli`: how long an operator waits for a read verb, measured as the operator
 * runs it: `bin/switchplane dvs list` as a new process each time, start to exit.
 */
@Command(
    name = "cli",
    mixinStandardHelpOptions = true,
    description = {
      "Measure the CLI's answer time: 'switchplane dvs list' run N times as a new process each,",
      "in a JVM of its own and answered by the resident CLI.",
      "Against --manager if given, else against a manager (and one agent) this bench starts."
    })
final class CliLatencyBench implements Callable<Integer> {
  @Option(names = "--runs", description = "Timed runs, default ${DEFAULT-VALUE}.")
  int runs = 20;

  @Option(
      names = "--manager",
      description = "A running manager (host:port); default: start one in this JVM.")
  String manager;

  @Option(names = "--ca", description = "The CA file for --manager (else the one login kept).")
  Path ca;

  @Option(
      names = "--switchplane",
      description = "The command timed, default ${DEFAULT-VALUE} (set by bin/switchplane).",
      defaultValue = "${sys:switchplane.launcher:-bin/switchplane}")
  String launcher;

  @Override
  public Integer call() throws Exception {
    if (manager != null) {
      return measure(manager, ca);
    }
    Path dir = Files.createTempDirectory("switchplane-bench-cli");
    try (LocalStack stack = LocalStack.start(dir, 0, 1, 0)) {
      stack.stub().createDvs(CreateDvsRequest.newBuilder().setName("bench-cli").build());
      return measure(stack.managerEndpoint(), stack.manager().caFile());
    } finally {
      TempDirs.deleteTree(dir);
    }
  }

  private int measure(String endpoint, Path caFile) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(launcher, "dvs", "list", "--manager", endpoint));
    if (caFile != null) {
      command.addAll(List.of("--ca", caFile.toAbsolutePath().toString()));
    }
    System.out.println("timing: " + String.join(" ", command));
    Path residentDir = Files.createTempDirectory("switchplane-bench-resident");
    try {
      // the first run may build the class-data archive (bin/switchplane does when it is missing)
      Map<String, String> ownJvm = Map.of("SWITCHPLANE_RESIDENT", "0");
      System.out.printf("first run: %d ms%n", runOnce(command, ownJvm) / 1_000_000);
      report("a JVM of its own", command, ownJvm);
      // the default: the first call starts the resident CLI in the background
      runOnce(command, Map.of("SWITCHPLANE_RESIDENT_DIR", residentDir.toString()));
      Path state = residentDir.resolve("resident");
      awaitFile(state, Duration.ofSeconds(60));
      Map<String, String> resident =
          Map.of(
              "SWITCHPLANE_RESIDENT_DIR",
              residentDir.toString(),
              "SWITCHPLANE_RESIDENT",
              "require");
      // its first answer loads and compiles the verb's classes, once per resident JVM
      System.out.printf(
          "resident CLI, first answer: %d ms%n", runOnce(command, resident) / 1_000_000);
      report("resident CLI", command, resident);
      stopResident(state);
    } finally {
      TempDirs.deleteTree(residentDir);
    }
    return 0;
  }

  private void report(String how, List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    long[] ms = new long[runs];
    for (int i = 0; i < runs; i++) {
      ms[i] = runOnce(command, env) / 1_000_000;
    }
    long[] sorted = ms.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "dvs list, %s, %d runs: median %d ms, p99 %d ms, min %d ms, max %d ms%n",
        how,
        runs,
        BenchCommand.median(ms),
        BenchCommand.percentile(sorted, 99),
        sorted[0],
        sorted[sorted.length - 1]);
  }

  private static void awaitFile(Path file, Duration patience) throws InterruptedException {
    long until = System.nanoTime() + patience.toNanos();
    while (!Files.exists(file)) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException("the resident CLI did not start: no " + file);
      }
      Thread.sleep(20);
    }
  }

  /** Stops the resident CLI this bench started, by the pid its state file gives. */
  private static void stopResident(Path state) throws IOException {
    String[] fields = Files.readString(state).trim().split(" ");
    ProcessHandle.of(Long.parseLong(fields[3]))
        .ifPresent(
            p -> {
              p.destroy();
              p.onExit().join();
            });
  }

  /** Nanoseconds from starting the command to its exit; a failed command ends the bench. */
  private static long runOnce(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putAll(env);
    long start = System.nanoTime();
    Process p = builder.start();
    byte[] err = p.getErrorStream().readAllBytes();
    int exit = p.waitFor();
    long took = System.nanoTime() - start;
    if (exit != 0) {
      throw new IllegalStateException(
          String.join(" ", command)
              + " exited "
              + exit
              + ": "
              + new String(err, StandardCharsets.UTF_8).strip());
    }
    return took;
  }
}
