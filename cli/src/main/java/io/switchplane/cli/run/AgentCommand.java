package io.switchplane.cli.run;

import io.switchplane.agent.AgentConfig;
import io.switchplane.agent.HostAgent;
import io.switchplane.agent.tls.AgentTlsFiles;
import io.switchplane.agent.tls.EnrollmentClient;
import io.switchplane.common.error.SwitchplaneException;
import io.switchplane.rpc.metrics.MetricsHttpServer;
import io.switchplane.rpc.tls.Certificates;
import io.switchplane.rpc.tls.TlsIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `switchplane agent`: runs one host agent in the foreground. */
@Command(
    name = "agent",
    description = "Run a host agent in the foreground (Ctrl-C stops it).",
    mixinStandardHelpOptions = true,
    defaultValueProvider = ConfigFile.class)
public final class AgentCommand implements Callable<Integer> {
  @Option(
      names = ConfigFile.OPTION,
      paramLabel = "FILE",
      description =
          "Read options from FILE: key=value lines, each key a long option name without the dashes "
              + "(data-dir=/var/lib/switchplane-agent); options on the command line win.")
  Path config;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description =
          "Where to serve the agent API (default 127.0.0.1:" + AgentConfig.DEFAULT_PORT + ").")
  String listen = AgentConfig.DEFAULT_BIND_HOST + ":" + AgentConfig.DEFAULT_PORT;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "RocksDB state and history (default ./agent-data).")
  Path dataDir = Path.of("agent-data");

  @Option(
      names = "--backend",
      description =
          "Switch backend: memory (default, rebuilt from the state database at "
              + "start), file (one file per port under DIR/switch, outlives the process), ovs (Open"
              + " vSwitch, see --ovsdb) or ovs-openflow (Open vSwitch with the VLANs as OpenFlow"
              + " flows).")
  String backend = AgentConfig.DEFAULT_BACKEND;

  @Option(
      names = "--ovsdb",
      paramLabel = "unix:PATH",
      description =
          "The ovsdb-server of the ovs and ovs-openflow backends, e.g."
              + " unix:/run/openvswitch/db.sock.")
  String ovsdb;

  @Option(
      names = "--management-port",
      paramLabel = "KEY",
      description =
          "The DVS port that carries this agent's "
              + "management address. When an unconfirmed change touched it, the agent keeps the change and moves the address "
              + "onto a host-local clone of the port with its last good settings (ovs backend), instead of reverting.")
  String managementPort;

  @Option(
      names = "--metrics",
      paramLabel = "HOST:PORT",
      description =
          "Serve Prometheus metrics at http://HOST:PORT/metrics, liveness at /healthz and"
              + " readiness (store open, start-up recovery done) at /readyz (default: off).")
  String metrics;

  @Mixin LogOptions log = new LogOptions();

  @Option(names = "--name", description = "Host name, for logs.")
  String name = "";

  @Option(
      names = "--enroll",
      paramLabel = "TOKEN",
      description =
          "Enroll with this one-time token (from "
              + "'switchplane host enroll-token HOST') before serving: the key is made here, the certificate kept 0600 in "
              + "DIR/tls. Needs --manager. Skipped when the data dir holds a certificate already.")
  String enroll;

  @Option(
      names = "--manager",
      paramLabel = "HOST:PORT",
      description =
          "The manager's agent port (default port "
              + "7402) to enroll with; renewals go there too.")
  String manager;

  @Option(
      names = "--insecure-plaintext",
      description =
          "Serve plaintext while not enrolled. Refused unless "
              + "--listen is a loopback address. An enrolled agent serves mutual TLS only.")
  boolean insecurePlaintext;

  @Override
  public Integer call() throws IOException {
    log.apply();
    Endpoint at = Endpoint.parse(listen);
    AgentTlsFiles tls = new AgentTlsFiles(dataDir);
    if (enroll != null) {
      if (manager == null) {
        throw SwitchplaneException.invalid(
            "--enroll needs --manager HOST:PORT (the manager's agent port)");
      }
      if (tls.present()) {
        System.out.println(
            "already enrolled (certificate in " + tls.dir() + "); the token was not used");
      } else {
        TlsIdentity identity = EnrollmentClient.enroll(manager, enroll);
        tls.save(identity, manager);
        System.out.println(
            "enrolled as host "
                + identity.leaf().getSubjectX500Principal().getName()
                + ", certificate "
                + "serial "
                + Certificates.serial(identity.leaf())
                + " until "
                + identity.leaf().getNotAfter().toInstant());
      }
    }
    AgentConfig config =
        new AgentConfig(
            at.host(),
            at.port(),
            dataDir,
            backend,
            "",
            name,
            ovsdb,
            managementPort,
            insecurePlaintext);
    HostAgent agent = new HostAgent(config);
    // Serving before the agent starts: /readyz says 503 while the store opens and recovers.
    MetricsHttpServer metricsServer =
        new MetricsHttpServer(agent.metrics().withJvmMetrics(), agent.health());
    if (metrics != null) {
      Endpoint m = Endpoint.parse(metrics);
      System.out.println(
          "metrics on http://"
              + m.host()
              + ":"
              + metricsServer.start(m.host(), m.port())
              + "/metrics (and /healthz, /readyz)");
    }
    try {
      agent.start();
    } catch (IOException | RuntimeException e) {
      metricsServer.close();
      throw e;
    }
    System.out.println(
        "agent "
            + name
            + " serving on "
            + agent.listenAddress()
            + " ("
            + (agent.certificate().isPresent() ? "mutual TLS" : "plaintext")
            + ", backend "
            + backend
            + ", data "
            + dataDir.toAbsolutePath()
            + ")");
    Daemons.runUntilStopped(metricsServer, agent);
    return 0;
  }
}
