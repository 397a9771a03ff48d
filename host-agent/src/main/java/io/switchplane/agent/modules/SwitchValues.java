package io.switchplane.agent.modules;

import com.google.protobuf.ByteString;
import io.switchplane.common.properties.Entity;
import java.util.SortedMap;

/**
 * The effective values of one namespace on one proxy switch, by entity (the DVS, its port groups,
 * its ports, the host) then key; entities without values are left out.
 */
public record SwitchValues(
    String dvsId, long generation, SortedMap<Entity, SortedMap<String, ByteString>> values) {}
