package io.switchplane.common.properties;

import static io.switchplane.common.error.SwitchplaneException.invalid;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/**
 * The values of {@value BuiltInNamespaces#QOS}: keys {@value #RATE} and {@value #BURST}, each a
 * whole number from 0 to {@value #MAX_RATE_KBPS} as decimal text. One rule for the manager, which
 * refuses a bad value before it commits, and the agent's qos module, which reads the values.
 */
public final class QosValues {
  public static final String RATE = "rate-kbps";
  public static final String BURST = "burst-kb";

  /** 100 Gbit/s. */
  public static final long MAX_RATE_KBPS = 100_000_000L;

  private QosValues() {}

  /** INVALID_ARGUMENT unless key is one of the namespace's keys and raw one of its numbers. */
  static void validate(String key, ByteString raw) {
    if (!key.equals(RATE) && !key.equals(BURST)) {
      throw invalid("%s has the keys %s and %s, not '%s'", BuiltInNamespaces.QOS, RATE, BURST, key);
    }
    number(key, raw);
  }

  /**
   * The number raw holds: 0 when absent; INVALID_ARGUMENT when it is not a whole number in range.
   */
  public static long number(String key, ByteString raw) {
    if (raw == null) {
      return 0;
    }
    String text = raw.toString(StandardCharsets.UTF_8).strip();
    try {
      long n = Long.parseLong(text);
      if (n >= 0 && n <= MAX_RATE_KBPS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below, with the value
    }
    throw invalid(
        "%s/%s is '%s', not a whole number from 0 to %d",
        BuiltInNamespaces.QOS,
        key,
        text.length() > 40 ? text.substring(0, 40) + "..." : text,
        MAX_RATE_KBPS);
  }
}
