package io.switchplane.agent;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a host agent runs.
 *
 * @param bindHost address to listen on; "127.0.0.1" binds loopback only
 * @param port TCP port, 0 for any free one (read it back with {@link HostAgent#port()})
 * @param dataDir directory of the agent's own RocksDB; may be null only when the agent is given a
 *     shared store
 * @param backend backend name, see {@link io.switchplane.agent.backend.Backends}
 * @param hostId the host's id, for logging only (empty when unknown)
 * @param hostName the host's name, for logging only (empty when unknown)
 * @param ovsdb the ovsdb-server of the ovs backend, e.g. unix:/run/openvswitch/db.sock (null
 *     otherwise)
 * @param managementPort the key of the port carrying this agent's management address: an
 *     unconfirmed change to it is kept with management moved to a host-local clone, instead of
 *     reverted (null: always revert)
 * @param insecurePlaintext serve plaintext when the agent has not enrolled (no certificate in
 *     DATA/tls); allowed on a loopback bind address only. An enrolled agent serves mutual TLS
 *     whatever this says.
 */
public record AgentConfig(
    String bindHost,
    int port,
    Path dataDir,
    String backend,
    String hostId,
    String hostName,
    String ovsdb,
    String managementPort,
    boolean insecurePlaintext) {
  public static final String DEFAULT_BIND_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 7401;
  public static final String DEFAULT_BACKEND = "memory";

  public AgentConfig {
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(backend, "backend");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535: " + port);
    }
    hostId = hostId == null ? "" : hostId;
    hostName = hostName == null ? "" : hostName;
  }

  /** Loopback on port, memory backend, data in dataDir; mutual TLS, so it must have enrolled. */
  public static AgentConfig of(int port, Path dataDir) {
    return new AgentConfig(
        DEFAULT_BIND_HOST, port, dataDir, DEFAULT_BACKEND, "", "", null, null, false);
  }

  public AgentConfig withHost(String id, String name) {
    return new AgentConfig(
        bindHost, port, dataDir, backend, id, name, ovsdb, managementPort, insecurePlaintext);
  }

  /** The same agent on another backend (ovsdb: for the ovs backend). */
  public AgentConfig withBackend(String newBackend, String newOvsdb) {
    return new AgentConfig(
        bindHost,
        port,
        dataDir,
        newBackend,
        hostId,
        hostName,
        newOvsdb,
        managementPort,
        insecurePlaintext);
  }

  /** The same agent, serving plaintext until it enrolls (loopback bind addresses only). */
  public AgentConfig withInsecurePlaintext() {
    return new AgentConfig(
        bindHost, port, dataDir, backend, hostId, hostName, ovsdb, managementPort, true);
  }

  /** How log lines name this agent. */
  String label() {
    return hostName.isEmpty() ? (hostId.isEmpty() ? bindHost + ":" + port : hostId) : hostName;
  }
}
