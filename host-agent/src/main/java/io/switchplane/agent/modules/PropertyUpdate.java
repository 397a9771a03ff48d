package io.switchplane.agent.modules;

import com.google.protobuf.ByteString;
import io.switchplane.common.properties.Entity;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What changed in one namespace on one proxy switch with one apply.
 *
 * @param generation the generation being applied (for an undo: the one being restored)
 * @param changes per entity, in entity order
 * @param undo true when an apply is being taken back
 */
public record PropertyUpdate(
    String dvsId, long generation, List<EntityChange> changes, boolean undo) {
  /**
   * What changed on one entity.
   *
   * @param added keys that now have a value and had none
   * @param changed keys whose value changed, with the new value
   * @param removed keys that had a value and have none now
   * @param now every effective value of the entity after the change
   */
  public record EntityChange(
      Entity entity,
      Map<String, ByteString> added,
      Map<String, ByteString> changed,
      Set<String> removed,
      Map<String, ByteString> now) {}
}
