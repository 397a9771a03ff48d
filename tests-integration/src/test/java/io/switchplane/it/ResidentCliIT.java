package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.GetDvsRequest;
import io.switchplane.cli.run.LocalStack;
import io.switchplane.cli.run.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bin/switchplane as an operator runs it, each call a process of its own, with the resident CLI:
 * the first read starts it, later reads are answered by it with the same output, streams and exit
 * codes as a JVM of their own, in the caller's environment; writes still run in their own JVM.
 */
class ResidentCliIT {
  private static final Path LAUNCHER = Path.of("..", "bin", "switchplane").toAbsolutePath();
  private static Path dir;
  private static LocalStack stack;
  private static Path residentDir;

  /** What one bin/switchplane call printed and returned. */
  record Call(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("resident-cli-it");
    residentDir = dir.resolve("resident");
    stack = LocalStack.start(dir.resolve("stack"), 0, 0, 0);
    stack.stub().createDvs(CreateDvsRequest.newBuilder().setName("rdvs").build());
  }

  @AfterAll
  static void stop() throws IOException {
    Path state = residentDir.resolve("resident");
    if (Files.exists(state)) {
      long pid = Long.parseLong(Files.readString(state).trim().split(" ")[3]);
      ProcessHandle.of(pid)
          .ifPresent(
              p -> {
                p.destroy();
                p.onExit().join();
              });
    }
    stack.close();
    TempDirs.deleteTree(dir);
  }

  private static Call call(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(k -> k.startsWith("SWITCHPLANE_"));
    environment.put("SWITCHPLANE_RESIDENT_DIR", residentDir.toString());
    environment.put("SWITCHPLANE_CREDENTIALS", dir.resolve("credentials").toString());
    environment.put("SWITCHPLANE_CA", stack.manager().caFile().toString());
    environment.putAll(env);
    Process p = builder.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s ended", command).isTrue();
    return new Call(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Map<String, String> require() {
    return Map.of("SWITCHPLANE_RESIDENT", "require");
  }

  @Test
  void readsAreAnsweredByTheResidentCliAsByAJvmOfTheirOwn() throws Exception {
    String manager = stack.managerEndpoint();
    Call own = call(Map.of("SWITCHPLANE_RESIDENT", "0"), "dvs", "list", "--manager", manager);
    assertThat(own.exit()).isZero();
    assertThat(own.out()).contains("rdvs");

    // the first ordinary call starts it (when no other test's call did)
    assertThat(call(Map.of(), "dvs", "list", "--manager", manager).out()).isEqualTo(own.out());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Files.exists(residentDir.resolve("resident")));

    Call resident = call(require(), "dvs", "list", "--manager", manager);
    assertThat(resident).isEqualTo(new Call(0, own.out(), ""));

    // the manager from the caller's environment, not the resident JVM's
    Map<String, String> env = new HashMap<>(require());
    env.put("SWITCHPLANE_MANAGER", manager);
    Call json = call(env, "dvs", "show", "rdvs", "-o", "json");
    assertThat(json.exit()).isZero();
    assertThat(json.out()).contains("\"name\": \"rdvs\"");

    // an error: stderr only, and the exit code of its class (3: NOT_FOUND)
    Call missing = call(require(), "dvs", "show", "nope", "--manager", manager);
    assertThat(missing.exit()).isEqualTo(3);
    assertThat(missing.out()).isEmpty();
    assertThat(missing.err()).contains("NOT_FOUND").contains("nope");
  }

  @Test
  void writesRunInAJvmOfTheirOwn() throws Exception {
    String manager = stack.managerEndpoint();
    assertThat(call(require(), "dvs", "create", "wdvs", "--manager", manager).exit()).isEqualTo(70);
    Call created = call(Map.of(), "dvs", "create", "wdvs", "--manager", manager);
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(
            stack
                .stub()
                .getDvs(GetDvsRequest.newBuilder().setDvs("wdvs").build())
                .getDvs()
                .getName())
        .isEqualTo("wdvs");
  }
}
