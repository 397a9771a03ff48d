package io.switchplane.agent.backend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host tools the backends drive (ovs-vsctl, ip): one process, its output, a time limit.
 */
final class Commands {
  /** What a command did; exit -1 when it could not run or did not finish (err says why). */
  record Result(int exit, String out, String err) {
    boolean ok() {
      return exit == 0;
    }
  }

  private Commands() {}

  static Result run(List<String> cmd, long timeoutS) {
    return run(cmd, "", timeoutS);
  }

  /** As {@link #run(List, long)}, with input written to the command's standard input. */
  static Result run(List<String> cmd, String input, long timeoutS) {
    String name = cmd.get(0);
    try {
      Process p = new ProcessBuilder(cmd).start();
      try (var stdin = p.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
      // Read both streams fully; the outputs are small (a few KiB per hundred ports).
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "", name + " did not finish within " + timeoutS + " s");
      }
      return new Result(
          p.exitValue(),
          new String(out, StandardCharsets.UTF_8),
          new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, "", "cannot run " + name + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "", "interrupted while running " + name);
    }
  }
}
