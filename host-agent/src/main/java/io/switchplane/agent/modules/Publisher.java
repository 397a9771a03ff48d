package io.switchplane.agent.modules;

import com.google.protobuf.ByteString;
import io.switchplane.common.properties.Entity;

/**
 * How a module hands data back to applications, which read it (or watch it) through the manager.
 * Runtime values live in memory and are gone after an agent restart; persistent ones are written
 * (synced) to the agent's RocksDB before publish returns.
 */
public interface Publisher {
  /** Publishes value under key for an entity of dvsId in the module's namespace. */
  void publish(String dvsId, Entity entity, String key, ByteString value, boolean persistent);

  /** Removes what was published under key for the entity (both kinds). */
  void retract(String dvsId, Entity entity, String key);
}
