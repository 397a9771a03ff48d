package io.switchplane.cli.resident;

import io.switchplane.cli.CliEnvironment;
import io.switchplane.cli.Main;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resident CLI: one JVM that stays up between operator calls and runs their read verbs, so that
 * {@code switchplane dvs list} answers in milliseconds instead of after a JVM start (as Gradle's
 * daemon and emacsclient do). {@code bin/switchplane} starts it in the background on first use and
 * asks it over loopback TCP; it stops after an idle time, and when the distribution it runs from is
 * rebuilt.
 *
 * <p>Contract. The state file {@code DIR/resident} (mode 0600) holds {@code PORT TOKEN STAMP PID}:
 * the loopback port, a random token a caller must present, the modification time (seconds) of the
 * jar the server runs from, and the server's pid. A request is NUL-terminated strings: {@code
 * switchplane-resident-1}, the token, the caller's pid, the number of environment entries and each
 * {@code NAME=VALUE} (only {@code SWITCHPLANE_*} are used), the number of arguments and each
 * argument. The answer is one line: {@code exit N} after the verb ran, writing to the caller's own
 * standard output and error (opened as {@code /proc/PID/fd/1} and {@code 2}, so pipes, terminals
 * and files appended to work as for a process of its own), or {@code fallback} when it does not run
 * that command line ({@link ResidentVerbs}) or cannot reach the caller's output: the caller then
 * runs a JVM of its own; or {@code restart} when the jar was rebuilt since it started: it stops,
 * and the caller runs the verb itself and starts a new server. A wrong token or a caller of another
 * user gets no answer. Verbs run one at a time.
 */
public final class ResidentServer implements AutoCloseable {
  static final String MAGIC = "switchplane-resident-1";
  static final String STATE_FILE = "resident";
  private static final int MAX_REQUEST_BYTES = 256 * 1024;
  private static final int MAX_FIELD_COUNT = 4096;
  private static final long O_APPEND = 02000;
  private static final Logger LOG = LoggerFactory.getLogger(ResidentServer.class);

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final Path dir;
  private final Path jar;
  private final Duration idle;
  private final String token;
  private State state = State.NEW;
  private ServerSocket socket;
  private FileChannel lockChannel;
  private FileLock lock;
  private long jarStamp;

  /**
   * A server keeping its state in dir, running from jar (rebuilt: it stops), stopping after idle
   * without a request.
   */
  public ResidentServer(Path dir, Path jar, Duration idle) {
    this.dir = dir;
    this.jar = jar;
    this.idle = idle;
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    this.token = HexFormat.of().formatHex(secret);
  }

  /**
   * Binds a loopback port and publishes it in the state file; false when another resident server
   * holds dir (it serves, this one is not needed).
   */
  public synchronized boolean start() throws IOException {
    if (state != State.NEW) {
      throw new IllegalStateException("resident server already " + state);
    }
    Files.createDirectories(dir);
    lockChannel =
        FileChannel.open(
            dir.resolve(STATE_FILE + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    lock = lockWithin(lockChannel, Duration.ofSeconds(2)); // a rebuilt one's predecessor is leaving
    if (lock == null) {
      lockChannel.close();
      state = State.CLOSED;
      return false;
    }
    jarStamp = stamp(jar);
    socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    socket.setSoTimeout(Math.toIntExact(Math.max(1, idle.toMillis())));
    Path tmp = dir.resolve(STATE_FILE + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        tmp,
        socket.getLocalPort()
            + " "
            + token
            + " "
            + jarStamp
            + " "
            + ProcessHandle.current().pid()
            + "\n");
    Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE);
    state = State.STARTED;
    LOG.info("resident CLI on 127.0.0.1:{} (state in {})", socket.getLocalPort(), dir);
    return true;
  }

  private static FileLock lockWithin(FileChannel channel, Duration patience) throws IOException {
    long until = System.nanoTime() + patience.toNanos();
    while (true) {
      FileLock held;
      try {
        held = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        held = null; // this JVM holds it
      }
      if (held != null || System.nanoTime() > until) {
        return held;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  /** The port it listens on (after {@link #start}). */
  public int port() {
    return socket.getLocalPort();
  }

  /** The token callers present (what the state file holds). */
  String token() {
    return token;
  }

  /**
   * Answers requests one at a time until no request came for the idle time, the jar changed, or
   * {@link #close} was called.
   */
  public void serve() {
    while (true) {
      Socket client;
      try {
        client = socket.accept();
      } catch (SocketTimeoutException e) {
        LOG.info("resident CLI idle for {}: stopping", idle);
        return;
      } catch (IOException e) {
        return; // closed
      }
      try (client) {
        if (!answer(client)) {
          return;
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("resident CLI: a request failed: {}", e.toString());
      }
    }
  }

  /** Serves one request; false when the server must stop (the jar was rebuilt). */
  private boolean answer(Socket client) throws IOException {
    client.setSoTimeout(5_000); // the request comes in one go; only its verb may take long
    InputStream in = new BufferedInputStream(client.getInputStream());
    OutputStream reply = client.getOutputStream();
    Request request = Request.read(in);
    if (request == null || !MessageDigest.isEqual(bytes(request.token), bytes(token))) {
      return true; // no answer to a stranger
    }
    if (!sameUser(request.pid)) {
      return true;
    }
    if (stamp(jar) != jarStamp) {
      reply.write(bytes("restart\n"));
      LOG.info("resident CLI: {} was rebuilt: stopping", jar);
      return false;
    }
    if (!ResidentVerbs.runs(request.args.toArray(String[]::new))) {
      reply.write(bytes("fallback\n"));
      return true;
    }
    PrintStream out;
    PrintStream err;
    try {
      out = callerStream(request.pid, 1);
      err = callerStream(request.pid, 2);
    } catch (IOException e) {
      reply.write(bytes("fallback\n")); // a socket, or gone: it runs the verb itself
      return true;
    }
    int exit = run(request, out, err);
    reply.write(bytes("exit " + exit + "\n"));
    return true;
  }

  private static int run(Request request, PrintStream out, PrintStream err) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(out);
    System.setErr(err);
    try {
      return CliEnvironment.with(request.env, () -> Main.run(request.args.toArray(String[]::new)));
    } catch (RuntimeException e) {
      err.println("error: " + e);
      return 1;
    } finally {
      out.flush();
      err.flush();
      System.setOut(oldOut);
      System.setErr(oldErr);
      out.close();
      err.close();
    }
  }

  /**
   * The caller's standard stream fd, opened anew. A pipe or a terminal is the same stream however
   * opened; a regular file only when the caller appends to it ({@code >>}): after {@code > file}
   * the caller's own offset would not move past what this wrote, and its next write would overwrite
   * it.
   */
  private static PrintStream callerStream(long pid, int fd) throws IOException {
    Path path = Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd));
    if (Files.isRegularFile(path) && !appending(pid, fd)) {
      throw new IOException("a file opened without O_APPEND");
    }
    return new PrintStream(
        new FileOutputStream(path.toFile(), true), false, StandardCharsets.UTF_8);
  }

  private static boolean appending(long pid, int fd) throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc", Long.toString(pid), "fdinfo", Integer.toString(fd)))) {
      if (line.startsWith("flags:")) {
        return (Long.parseLong(line.substring("flags:".length()).trim(), 8) & O_APPEND) != 0;
      }
    }
    return false;
  }

  private static boolean sameUser(long pid) {
    try {
      Object caller = Files.getAttribute(Path.of("/proc", Long.toString(pid)), "unix:uid");
      Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return caller.equals(self);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  private static long stamp(Path jar) throws IOException {
    return Files.getLastModifiedTime(jar).toMillis() / 1000;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public synchronized void close() throws IOException {
    if (state != State.STARTED) {
      state = State.CLOSED;
      return;
    }
    state = State.CLOSED;
    socket.close();
    Path file = dir.resolve(STATE_FILE);
    try {
      if (Files.readString(file).contains(" " + token + " ")) {
        Files.delete(file);
      }
    } catch (IOException e) {
      // already gone
    }
    lock.release();
    lockChannel.close();
  }

  /** One parsed request. */
  record Request(String token, long pid, Map<String, String> env, List<String> args) {
    /** The request on in, or null when it is not one (wrong magic, too large, malformed). */
    static Request read(InputStream in) throws IOException {
      Fields fields = new Fields(in);
      if (!MAGIC.equals(fields.next())) {
        return null;
      }
      String token = fields.next();
      long pid;
      try {
        pid = Long.parseLong(fields.next());
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = fields.count(); i > 0; i--) {
          String entry = fields.next();
          int eq = entry.indexOf('=');
          if (eq > 0) {
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
          }
        }
        List<String> args = new ArrayList<>();
        for (int i = fields.count(); i > 0; i--) {
          args.add(fields.next());
        }
        return new Request(token, pid, env, List.copyOf(args));
      } catch (NumberFormatException | IOException e) {
        return null;
      }
    }
  }

  /** NUL-terminated strings, bounded in total size. */
  private static final class Fields {
    private final InputStream in;
    private int total;

    Fields(InputStream in) {
      this.in = in;
    }

    String next() throws IOException {
      ByteArrayOutputStream field = new ByteArrayOutputStream();
      for (int b = in.read(); b != 0; b = in.read()) {
        if (b < 0 || ++total > MAX_REQUEST_BYTES) {
          throw new IOException("short or oversized request");
        }
        field.write(b);
      }
      return field.toString(StandardCharsets.UTF_8);
    }

    int count() throws IOException {
      int n = Integer.parseInt(next());
      if (n < 0 || n > MAX_FIELD_COUNT) {
        throw new IOException("bad count " + n);
      }
      return n;
    }
  }
}
