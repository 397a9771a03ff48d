package io.switchplane.agent.modules;

import java.util.Optional;

/**
 * What the agent gives a module at start.
 *
 * @param hostLabel the agent's label, for logs
 * @param backend the switch backend's name ("memory", "file", "ovs")
 * @param ovsdb the ovsdb-server of the ovs backend (unix:PATH or tcp:HOST:PORT), if any
 * @param publisher where the module publishes data back to applications
 */
public record ModuleContext(
    String hostLabel, String backend, Optional<String> ovsdb, Publisher publisher) {}
