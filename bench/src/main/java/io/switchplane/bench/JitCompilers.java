package io.switchplane.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time of the JIT compiler threads (HotSpot's "C1 CompilerThread" and "C2 CompilerThread") of
 * some processes: this JVM and, when the agents run in a process of their own, that one. Read from
 * {@code /proc/PID/task/TID/stat} (user + system ticks), so it counts both JVMs the same way and
 * costs no agent of the JVM. On a 2-core machine the JIT competes with the push for the cores until
 * it has compiled the push path; this tells the bench when that is over.
 */
final class JitCompilers {
  private static final double NANOS_PER_TICK = 1e9 / 100; // USER_HZ is 100 on Linux

  private final List<Long> pids;

  JitCompilers(List<Long> pids) {
    this.pids = List.copyOf(pids);
  }

  /** Whether this system exposes the compiler threads (Linux /proc). */
  static boolean available() {
    return Files.isReadable(Path.of("/proc/self/task"));
  }

  /** CPU used so far by the compiler threads of every process, nanoseconds. */
  long cpuNanos() {
    long ticks = 0;
    for (long pid : pids) {
      ticks += compilerTicks(Path.of("/proc", Long.toString(pid), "task"));
    }
    return Math.round(ticks * NANOS_PER_TICK);
  }

  private static long compilerTicks(Path tasks) {
    long ticks = 0;
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path thread : threads) {
        ticks += ticksIfCompiler(thread.resolve("stat"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the threads of " + tasks, e);
    }
    return ticks;
  }

  /** utime + stime of a thread whose name is a compiler's; 0 for any other (or one just gone). */
  static long ticksIfCompiler(Path stat) {
    List<String> lines;
    try {
      lines = Files.readAllLines(stat); // not readString: a /proc file reports a size of 0
    } catch (IOException e) {
      return 0; // the thread ended between the listing and the read
    }
    return lines.isEmpty() ? 0 : ticksIfCompiler(lines.get(0));
  }

  /** As {@link #ticksIfCompiler(Path)} for one line of {@code /proc/PID/task/TID/stat}. */
  static long ticksIfCompiler(String line) {
    // "TID (NAME) STATE ...": the name may hold spaces and parentheses, so split at the last ')'.
    int open = line.indexOf('(');
    int close = line.lastIndexOf(')');
    if (open < 0 || close < open) {
      return 0;
    }
    String name = line.substring(open + 1, close);
    if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
      return 0;
    }
    // After the name: state is field 3; utime and stime are fields 14 and 15.
    String[] rest = line.substring(close + 2).trim().split(" ");
    return Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
  }
}
