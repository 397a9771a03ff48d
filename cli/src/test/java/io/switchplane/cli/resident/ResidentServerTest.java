package io.switchplane.cli.resident;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resident server on a real loopback socket, writing to a real other process's stdout and
 * stderr (a child whose streams go to files).
 */
class ResidentServerTest {
  @TempDir Path dir;
  private ResidentServer server;
  private CompletableFuture<Void> serving;
  private Process caller;
  private Path jar;
  private Path out;
  private Path err;

  @BeforeEach
  void start() throws IOException {
    jar = Files.writeString(dir.resolve("switchplane.jar"), "jar");
    Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000_000L));
    out = dir.resolve("out");
    err = dir.resolve("err");
    caller =
        new ProcessBuilder("sleep", "60")
            .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
            .start();
    server = new ResidentServer(dir.resolve("state"), jar, Duration.ofMinutes(1));
    assertThat(server.start()).isTrue();
    serving = CompletableFuture.runAsync(server::serve);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    serving.join();
    caller.destroy();
  }

  private String ask(String token, long pid, Map<String, String> env, String... args)
      throws IOException {
    List<String> fields = new ArrayList<>(List.of(ResidentServer.MAGIC, token, Long.toString(pid)));
    fields.add(Integer.toString(env.size()));
    env.forEach((k, v) -> fields.add(k + "=" + v));
    fields.add(Integer.toString(args.length));
    fields.addAll(List.of(args));
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      for (String f : fields) {
        s.getOutputStream().write((f + "\0").getBytes(StandardCharsets.UTF_8));
      }
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void publishesItsPortInAFileOnlyItsUserReads() throws IOException {
    Path state = dir.resolve("state").resolve(ResidentServer.STATE_FILE);
    assertThat(Files.readString(state))
        .startsWith(server.port() + " " + server.token() + " 1000000 ");
    assertThat(Files.getPosixFilePermissions(state))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }

  @Test
  void runsAReadVerbOnTheCallersOwnStreamsWithTheCallersEnvironment() throws IOException {
    // nothing listens on port 1: the verb fails as it would in a JVM of its own, on the caller's
    // stderr, with the exit code of UNAVAILABLE; the manager comes from the caller's environment
    String answer =
        ask(
            server.token(),
            caller.pid(),
            Map.of("SWITCHPLANE_MANAGER", "127.0.0.1:1"),
            "dvs",
            "list",
            "--insecure-plaintext");
    assertThat(answer).isEqualTo("exit 6\n");
    assertThat(Files.readString(err)).contains("error: UNAVAILABLE").contains("127.0.0.1:1");
    assertThat(Files.readString(out)).isEmpty();
  }

  @Test
  void leavesWritesAndWatchesToAJvmOfTheirOwn() throws IOException {
    assertThat(ask(server.token(), caller.pid(), Map.of(), "dvs", "create", "d"))
        .isEqualTo("fallback\n");
    assertThat(ask(server.token(), caller.pid(), Map.of(), "status", "d", "--watch"))
        .isEqualTo("fallback\n");
    assertThat(Files.readString(err)).isEmpty();
  }

  @Test
  void leavesACallerWritingOverAFileToItself() throws IOException {
    // '> file': the caller's offset would not move past what the server wrote
    Process overwriting =
        new ProcessBuilder("sleep", "60")
            .redirectOutput(dir.resolve("truncated").toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
            .start();
    try {
      assertThat(ask(server.token(), overwriting.pid(), Map.of(), "dvs", "list"))
          .isEqualTo("fallback\n");
    } finally {
      overwriting.destroy();
    }
  }

  @Test
  void answersNothingToAWrongTokenOrAnotherUsersProcess() throws IOException {
    assertThat(ask("0".repeat(48), caller.pid(), Map.of(), "dvs", "list")).isEmpty();
    assertThat(ask(server.token(), Long.MAX_VALUE, Map.of(), "dvs", "list")).isEmpty();
    assertThat(Files.readString(err)).isEmpty();
  }

  @Test
  void stopsWhenItsJarIsRebuilt() throws IOException {
    Files.setLastModifiedTime(jar, FileTime.fromMillis(2_000_000_000L));
    assertThat(ask(server.token(), caller.pid(), Map.of(), "dvs", "list")).isEqualTo("restart\n");
    await().atMost(Duration.ofSeconds(10)).until(serving::isDone);
  }

  @Test
  void aSecondServerForTheSameDirectoryStandsDown() throws IOException {
    try (ResidentServer second =
        new ResidentServer(dir.resolve("state"), jar, Duration.ofMinutes(1))) {
      assertThat(second.start()).isFalse();
    }
  }
}
