package io.switchplane.common.properties;

import static io.switchplane.common.error.SwitchplaneException.exhausted;
import static io.switchplane.common.error.SwitchplaneException.invalid;

import io.switchplane.api.v1.HostSwitchState;
import io.switchplane.api.v1.Port;
import io.switchplane.api.v1.PortGroup;
import io.switchplane.api.v1.PropertyEntry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules and limits of opaque properties, shared by the manager (which refuses a write that
 * breaks them, storing nothing) and the agent (which refuses a host state that breaks them).
 *
 * <p>Why these limits: a value travels in the entity's ZooKeeper znode and in every push of the
 * host states that carry it, and ZooKeeper refuses requests above 1 MiB (jute.maxbuffer), so one
 * entity carries at most {@value #MAX_BYTES_PER_ENTITY} bytes; a host state is one gRPC message, so
 * its properties stay below {@value #MAX_BYTES_PER_HOST_STATE} bytes.
 */
public final class PropertyRules {
  /** Largest value, bytes. */
  public static final int MAX_VALUE_BYTES = 64 * 1024;

  /** Most entries (values and unset markers) on one entity. */
  public static final int MAX_KEYS_PER_ENTITY = 256;

  /** Most bytes (namespace + key + value of every entry) on one entity. */
  public static final int MAX_BYTES_PER_ENTITY = 256 * 1024;

  /** Most bytes of properties in one host's final state (DVS, host, its port groups and ports). */
  public static final long MAX_BYTES_PER_HOST_STATE = 4L * 1024 * 1024;

  /** Namespaces under this prefix belong to Switchplane's own modules. */
  public static final String RESERVED_PREFIX = "io.switchplane.";

  public static final int MAX_NAME_LENGTH = 128;
  public static final int MAX_KEY_LENGTH = 128;
  public static final int MAX_OWNER_LENGTH = 128;
  public static final int MAX_DESCRIPTION_LENGTH = 1024;

  private static final Pattern NAMESPACE = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+");
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._/:-]+");

  private PropertyRules() {}

  /** INVALID_ARGUMENT unless name is a reverse-DNS name (e.g. "com.example.qos"). */
  public static void validateNamespaceName(String name) {
    if (name.isEmpty()) {
      throw invalid("namespace name is required (a reverse-DNS name such as com.example.qos)");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw invalid(
          "namespace name has %d characters, the limit is %d", name.length(), MAX_NAME_LENGTH);
    }
    if (!NAMESPACE.matcher(name).matches()) {
      throw invalid(
          "namespace '%s' is not a reverse-DNS name: give at least two dot-separated labels of "
              + "a-z, 0-9 and '-', each starting with a letter, e.g. com.example.qos",
          name);
    }
  }

  public static boolean reserved(String namespace) {
    return namespace.startsWith(RESERVED_PREFIX);
  }

  /** INVALID_ARGUMENT unless key is 1-128 characters of A-Z a-z 0-9 . _ / : -. */
  public static void validateKey(String key) {
    if (key.isEmpty()) {
      throw invalid("property key is required");
    }
    if (key.length() > MAX_KEY_LENGTH) {
      throw invalid(
          "property key has %d characters, the limit is %d", key.length(), MAX_KEY_LENGTH);
    }
    if (!KEY.matcher(key).matches()) {
      throw invalid(
          "property key '%s' may contain only A-Z, a-z, 0-9, '.', '_', '/', ':' and '-'", key);
    }
  }

  /**
   * INVALID_ARGUMENT when the entry is malformed or its value is above {@value #MAX_VALUE_BYTES}
   * bytes.
   */
  public static void validateEntry(PropertyEntry e) {
    validateNamespaceName(e.getNamespace());
    validateKey(e.getKey());
    if (e.getSettingCase() == PropertyEntry.SettingCase.SETTING_NOT_SET) {
      throw invalid(
          "property %s/%s has neither a value nor an unset marker", e.getNamespace(), e.getKey());
    }
    if (e.getValue().size() > MAX_VALUE_BYTES) {
      throw invalid(
          "the value of property %s/%s has %,d bytes, the limit is %,d (64 KiB)",
          e.getNamespace(), e.getKey(), e.getValue().size(), MAX_VALUE_BYTES);
    }
  }

  /** What an entry counts against the limits: namespace, key and value bytes. */
  public static long bytes(PropertyEntry e) {
    return (long) e.getNamespace().getBytes(StandardCharsets.UTF_8).length
        + e.getKey().getBytes(StandardCharsets.UTF_8).length
        + e.getValue().size();
  }

  public static long bytes(List<PropertyEntry> entries) {
    long total = 0;
    for (PropertyEntry e : entries) {
      total += bytes(e);
    }
    return total;
  }

  /**
   * RESOURCE_EXHAUSTED when one entity's entries are above the per-entity limits; what names it.
   */
  public static void checkEntity(String what, List<PropertyEntry> entries) {
    if (entries.size() > MAX_KEYS_PER_ENTITY) {
      throw exhausted(
          "%s would have %d property keys, the limit is %d per entity",
          what, entries.size(), MAX_KEYS_PER_ENTITY);
    }
    long bytes = bytes(entries);
    if (bytes > MAX_BYTES_PER_ENTITY) {
      throw exhausted(
          "%s would have %,d bytes of properties, the limit is %,d per entity",
          what, bytes, MAX_BYTES_PER_ENTITY);
    }
  }

  /** The property bytes of a whole host state. */
  public static long bytes(HostSwitchState s) {
    long total = bytesOutsidePorts(s);
    for (Port p : s.getPortsList()) {
      total += bytes(p.getPropertiesList());
    }
    return total;
  }

  /** The property bytes of a host state's DVS, hosts and port groups (its ports' left out). */
  public static long bytesOutsidePorts(HostSwitchState s) {
    long total = bytes(s.getDvs().getPropertiesList());
    for (var m : s.getDvs().getMembersList()) {
      total += bytes(m.getPropertiesList());
    }
    for (PortGroup pg : s.getPortGroupsList()) {
      total += bytes(pg.getPropertiesList());
    }
    return total;
  }

  /**
   * RESOURCE_EXHAUSTED when a host's state would carry more than {@value #MAX_BYTES_PER_HOST_STATE}
   * bytes.
   */
  public static void checkHostTotal(String hostName, long bytes) {
    if (bytes > MAX_BYTES_PER_HOST_STATE) {
      throw exhausted(
          "the state of host '%s' would carry %,d bytes of properties, the limit is %,d (4 MiB) per "
              + "host; move values to fewer levels or make them smaller",
          hostName, bytes, MAX_BYTES_PER_HOST_STATE);
    }
  }

  /**
   * Checks entries as an agent receives them: each valid, sorted, unique, within the entity limits.
   */
  public static void validateEntries(String what, List<PropertyEntry> entries) {
    PropertyKey last = null;
    for (PropertyEntry e : entries) {
      validateEntry(e);
      PropertyKey k = PropertyKey.of(e);
      if (last != null && last.compareTo(k) >= 0) {
        throw invalid(
            "%s: properties are not sorted by namespace and key, or list %s twice", what, k);
      }
      last = k;
    }
    checkEntity(what, entries);
  }
}
