package io.switchplane.common.text;

import java.util.Locale;

/**
 * Operator-facing labels of proto enum values: the value's name without its type prefix, in lower
 * case with dashes, e.g. ROLLBACK_CAUSE_CONFIRM_TIMEOUT → confirm-timeout. One rule for tables,
 * events and metric labels (metrics use underscores: {@link #metric}).
 */
public final class EnumLabels {
  private EnumLabels() {}

  /** name() without prefix (e.g. "ROLLBACK_CAUSE_"), lower case, '_' → '-'. */
  public static String of(Enum<?> value, String prefix) {
    return metric(value, prefix).replace('_', '-');
  }

  /** As {@link #of}, keeping underscores (Prometheus label values). */
  public static String metric(Enum<?> value, String prefix) {
    String name = value.name();
    return (name.startsWith(prefix) ? name.substring(prefix.length()) : name)
        .toLowerCase(Locale.ROOT);
  }
}
