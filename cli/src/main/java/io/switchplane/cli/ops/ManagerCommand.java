package io.switchplane.cli.ops;

import com.google.protobuf.MessageOrBuilder;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.switchplane.api.v1.ManagerServiceGrpc;
import io.switchplane.api.v1.ManagerServiceGrpc.ManagerServiceBlockingStub;
import io.switchplane.api.v1.PropertyServiceGrpc;
import io.switchplane.api.v1.PropertyServiceGrpc.PropertyServiceBlockingStub;
import io.switchplane.api.v1.SnapshotServiceGrpc;
import io.switchplane.cli.CliEnvironment;
import io.switchplane.cli.output.OutputFormat;
import io.switchplane.cli.output.Table;
import io.switchplane.common.error.ErrorReason;
import io.switchplane.common.error.StatusMapping;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.common.retry.Backoff;
import io.switchplane.manager.grpc.CallerInterceptor;
import io.switchplane.rpc.tls.OperatorTls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * Base of every operator verb: connects to the manager, runs, and leaves error reporting to the top
 * level ({@link io.switchplane.cli.ErrorReporter}), which prints the status and exits non-zero.
 */
public abstract class ManagerCommand implements Callable<Integer> {
  /** Where `switchplane up` and `switchplane manager` listen unless told otherwise. */
  public static final String DEFAULT_MANAGER = "127.0.0.1:7400";

  @Option(
      names = "--manager",
      paramLabel = "HOST:PORT",
      description =
          "Manager endpoint (default: the one of --context, else $SWITCHPLANE_MANAGER, else the"
              + " current context's ('config use-context'), else "
              + DEFAULT_MANAGER
              + ").")
  String manager;

  @Option(
      names = "--context",
      paramLabel = "NAME",
      description = "Talk to the manager of this named context ('config get-contexts').")
  String context;

  @Option(
      names = "--ca",
      paramLabel = "FILE",
      description =
          "The cluster CA certificate (PEM) the manager's must "
              + "be of (default: $SWITCHPLANE_CA, else the one 'switchplane login' or 'up' kept for this endpoint).")
  Path ca;

  @Option(
      names = "--cert",
      paramLabel = "FILE",
      description =
          "Authenticate with this client certificate (PEM, from "
              + "'switchplane user cert') instead of a token; with --cert-key.")
  Path cert;

  @Option(
      names = "--cert-key",
      paramLabel = "FILE",
      description = "The private key (PEM) of --cert.")
  Path key;

  @Option(
      names = "--insecure-plaintext",
      description =
          "Talk plaintext, to a manager run with --insecure-plaintext "
              + "(loopback only); tokens then travel in clear.")
  boolean insecurePlaintext;

  @Option(
      names = "--comment",
      paramLabel = "TEXT",
      description =
          "Why: recorded with the change in the audit log ('switchplane log'), like Junos 'commit comment'.")
  String comment = "";

  @Option(
      names = "--wait",
      description = {
        "After a write, wait until every member host of its DVS is in sync; exit 8 "
            + "when one is not by --timeout (the hosts and why on stderr)."
      })
  boolean waitForSync;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      description =
          "How long --wait and 'status --watch "
              + "--until-in-sync' wait, e.g. 30s, 5m (default: "
              + SyncWait.DEFAULT_TIMEOUT
              + "; 0: no limit).")
  String timeout = SyncWait.DEFAULT_TIMEOUT;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description =
          "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; wide adds ids and"
              + " details to tables).")
  OutputFormat output = OutputFormat.table;

  @Option(names = "--no-headers", description = "Tables without their header row (for scripts).")
  boolean noHeaders;

  private ManagedChannel channel;
  private ChannelCredentials channelCredentials;
  private String channelToken;
  private X509Certificate trustedCa;

  /** Runs the verb against the manager; returns the exit code. */
  protected abstract int run(ManagerServiceBlockingStub manager);

  /** As {@link #run}, told the token the calls carry (null: none); only login needs it. */
  protected int runWithToken(ManagerServiceBlockingStub manager, String token) {
    return run(manager);
  }

  /** The token to send instead of the kept one (login's); null: the kept one. */
  protected String tokenOverride() {
    return null;
  }

  @Override
  public final Integer call() {
    quietGrpc();
    String origin = endpoint();
    ChannelCredentials credentials = credentials(origin);
    String override = tokenOverride();
    String token = override != null ? override : Credentials.token(origin).orElse(null);
    long waitMs = timeoutMillis(); // a bad --timeout is refused before anything is written
    String target = origin;
    Backoff moving = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2));
    long movingDeadline = System.nanoTime() + OWNER_MOVING_WAIT.toNanos();
    for (int hop = 0; ; hop++) {
      try {
        return runAt(target, credentials, token, waitMs);
      } catch (StatusRuntimeException e) {
        // Leadership per DVS: a write (or a DVS's push status) refused by a manager that does not
        // own the DVS changed nothing there; the same call goes to the owner it names, with the
        // same credentials (the managers share one CA and one user store).
        if (StatusMapping.reason(e).orElse(null) != ErrorReason.NOT_DVS_OWNER) {
          throw e;
        }
        String owner = StatusMapping.metadata(e).get(ErrorReason.OWNER_ENDPOINT);
        if (owner != null && !owner.equals(target) && hop < MAX_OWNER_HOPS) {
          target = owner;
        } else if (e.getStatus().getCode() == Status.Code.UNAVAILABLE
            && System.nanoTime() < movingDeadline) {
          sleepQuietly(moving.nextMs()); // ownership is moving: ask again shortly
        } else {
          throw e;
        }
      }
    }
  }

  /** How often a refused call follows the owner a refusal names before it gives up. */
  private static final int MAX_OWNER_HOPS = 3;

  /** How long a call refused while its DVS's ownership moves is tried again. */
  private static final Duration OWNER_MOVING_WAIT = Duration.ofSeconds(30);

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SwitchplaneException.unavailable("interrupted while the DVS's ownership moved");
    }
  }

  /** Runs the verb once against the manager at target. */
  private int runAt(String target, ChannelCredentials credentials, String token, long waitMs) {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target, credentials);
    Metadata headers = new Metadata();
    if (!comment.isEmpty()) {
      headers.put(CallerInterceptor.COMMENT, comment.getBytes(StandardCharsets.UTF_8));
    }
    if (token != null) {
      headers.put(CallerInterceptor.AUTHORIZATION, "Bearer " + token);
    }
    WriteOutcome outcome = new WriteOutcome(UUID.randomUUID().toString());
    headers.put(CallerInterceptor.REQUEST_ID, outcome.requestId());
    builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers), outcome);
    channel = builder.build();
    channelCredentials = credentials;
    channelToken = token;
    try {
      ManagerServiceBlockingStub manager = ManagerServiceGrpc.newBlockingStub(channel);
      int exit = runWithToken(manager.withDeadlineAfter(30, TimeUnit.SECONDS), token);
      Optional<String> written = outcome.writtenDvs();
      if (exit != 0 || !waitForSync || written.isEmpty()) {
        return exit;
      }
      return SyncWait.await(manager, written.get(), waitMs);
    } catch (StatusRuntimeException e) {
      Optional<WriteOutcome.LostWrite> lost = outcome.lost();
      if (lost.isEmpty()) {
        throw e;
      }
      Optional<SwitchplaneException> failure = outcome.explain(lost.get(), e, this::audit);
      if (failure.isPresent()) {
        throw failure.get();
      }
      return 0;
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * Runs call against another manager of the cluster (at endpoint, host:port) with this command's
   * credentials: a read every manager answers for its own DVSes (leadership per DVS).
   */
  protected <T> T atManager(String endpoint, Function<ManagerServiceBlockingStub, T> call) {
    return onChannelTo(
        endpoint,
        other ->
            call.apply(
                ManagerServiceGrpc.newBlockingStub(other).withDeadlineAfter(10, TimeUnit.SECONDS)));
  }

  /** As {@link #atManager}, for a call of any of the manager's services on the channel given. */
  protected <T> T onChannelTo(String endpoint, Function<io.grpc.Channel, T> call) {
    Metadata headers = new Metadata();
    if (channelToken != null) {
      headers.put(CallerInterceptor.AUTHORIZATION, "Bearer " + channelToken);
    }
    ManagedChannel other =
        NettyChannelBuilder.forTarget(endpoint, channelCredentials)
            .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
            .build();
    try {
      return call.apply(other);
    } finally {
      other.shutdownNow();
    }
  }

  /**
   * The managers that own DVSes now, each of which runs the VM trackers and pushes of its own DVSes
   * (leadership per DVS); empty when one leader runs everything.
   */
  protected List<io.switchplane.api.v1.ManagerEntry> owningManagers(
      ManagerServiceBlockingStub manager) {
    io.switchplane.api.v1.ListManagersResponse r =
        manager
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .listManagers(io.switchplane.api.v1.ListManagersRequest.getDefaultInstance());
    return r.getPerDvs()
        ? r.getManagersList().stream().filter(m -> m.getDvsCount() > 0).toList()
        : List.of();
  }

  /**
   * A verb reports its calls' failures itself (ErrorReporter): gRPC's own warnings about them (a
   * name that does not resolve, a refused connection) would say it again, with a stack trace.
   */
  private static void quietGrpc() {
    if (LoggerFactory.getLogger("io.grpc") instanceof ch.qos.logback.classic.Logger grpc) {
      grpc.setLevel(ch.qos.logback.classic.Level.ERROR);
    }
  }

  /** --timeout in milliseconds (0: no limit). */
  protected long timeoutMillis() {
    return Durations.parseMillis(timeout, "--timeout");
  }

  /**
   * TLS trusting the cluster CA known for target, presenting the client certificate if one is given
   * or kept; plaintext only when asked. FAILED_PRECONDITION when no CA is known: never a silent
   * fall back to plaintext.
   */
  private ChannelCredentials credentials(String target) {
    if (insecurePlaintext) {
      return InsecureChannelCredentials.create();
    }
    X509Certificate trusted =
        Credentials.ca(target, ca)
            .orElseThrow(
                () ->
                    SwitchplaneException.precondition(
                        "no cluster CA is known for manager %s, so its certificate cannot be checked: pass --ca FILE (or set "
                            + "SWITCHPLANE_CA) with the CA certificate: on the manager's host it is ca.pem in the manager's data "
                            + "directory, and 'switchplane pki show --pem' prints it wherever it is known; 'switchplane login --ca "
                            + "FILE' keeps it for this endpoint. A manager run with --insecure-plaintext needs --insecure-plaintext",
                        target));
    trustedCa = trusted;
    return OperatorTls.client(trusted, Credentials.clientCertificate(target, cert, key));
  }

  /** The CA this command checked the manager against; empty with --insecure-plaintext. */
  protected Optional<X509Certificate> trustedCa() {
    return Optional.ofNullable(trustedCa);
  }

  /** The client certificate and key files given (for login to keep); null when not given. */
  protected Path[] clientCertificateOption() {
    return cert == null || key == null ? null : new Path[] {cert, key};
  }

  /** The manager's operators on the same channel (valid inside {@link #run}). */
  protected io.switchplane.api.v1.UserServiceGrpc.UserServiceBlockingStub users() {
    return io.switchplane.api.v1.UserServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /**
   * The manager's snapshot API on the same connection (snapshots of large switches take longer than
   * a call).
   */
  protected SnapshotServiceGrpc.SnapshotServiceBlockingStub snapshots() {
    return SnapshotServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  /** The manager's PropertyService on the same channel (valid inside {@link #run}). */
  protected PropertyServiceBlockingStub properties() {
    return PropertyServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** The manager's vCenter API on the same channel (valid inside {@link #run}). */
  protected io.switchplane.api.v1.VcenterServiceGrpc.VcenterServiceBlockingStub vcenters() {
    return io.switchplane.api.v1.VcenterServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /**
   * The manager's migration API on the same channel (valid inside {@link #run}); a migration waits
   * for two hosts' confirms and, when it fails, for the revert.
   */
  protected io.switchplane.api.v1.MigrationServiceGrpc.MigrationServiceBlockingStub migrations() {
    return io.switchplane.api.v1.MigrationServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(180, TimeUnit.SECONDS);
  }

  /** The manager's audit log on the same channel (valid inside {@link #run}). */
  protected io.switchplane.api.v1.AuditServiceGrpc.AuditServiceBlockingStub audit() {
    return io.switchplane.api.v1.AuditServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** The manager's PKI API on the same channel (valid inside {@link #run}). */
  protected io.switchplane.api.v1.PkiServiceGrpc.PkiServiceBlockingStub pki() {
    return io.switchplane.api.v1.PkiServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** The manager's VM tracker API on the same channel (valid inside {@link #run}). */
  protected io.switchplane.api.v1.VmTrackerServiceGrpc.VmTrackerServiceBlockingStub vmTracker() {
    return io.switchplane.api.v1.VmTrackerServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** The manager's IPAM API on the same channel (valid inside {@link #run}). */
  protected io.switchplane.api.v1.IpamServiceGrpc.IpamServiceBlockingStub ipam() {
    return io.switchplane.api.v1.IpamServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** The manager's network manager API on the same channel (valid inside {@link #run}). */
  protected io.switchplane.api.v1.NetworkManagerServiceGrpc.NetworkManagerServiceBlockingStub
      networkManagers() {
    return io.switchplane.api.v1.NetworkManagerServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** -o json or yaml: responses are printed as data ({@link #render}), not as text. */
  protected boolean data() {
    return output.data();
  }

  /** message as JSON or YAML, as -o asks. */
  protected String render(MessageOrBuilder message) {
    return output.render(message);
  }

  /**
   * One message of a stream (events, --follow) as -o asks: JSON on one line, YAML as a document of
   * its own ("---" first).
   */
  protected String renderStreamed(MessageOrBuilder message) {
    return output == OutputFormat.yaml
        ? "---\n" + render(message)
        : render(message).replace("\n", " ");
  }

  /** With -o json or yaml, prints the response so and says so; otherwise prints nothing. */
  protected boolean printedAsData(MessageOrBuilder response) {
    if (data()) {
      System.out.println(render(response));
    }
    return data();
  }

  /** Prints table as -o (wide or not) and --no-headers ask. */
  protected void print(Table table) {
    table.print(System.out, output == OutputFormat.wide, !noHeaders);
  }

  /** The manager endpoint this command talks to. */
  public String endpoint() {
    if (manager != null) {
      return manager;
    }
    if (context != null) {
      return Credentials.contextEndpoint(context);
    }
    String env = CliEnvironment.get("SWITCHPLANE_MANAGER");
    if (env != null && !env.isBlank()) {
      return env;
    }
    return Credentials.currentContext().map(Credentials::contextEndpoint).orElse(DEFAULT_MANAGER);
  }
}
