package io.switchplane.agent.backend.openflow;

import java.util.List;

/**
 * The names of OpenFlow 1.4's error types and codes (ofp_error_type and its code enums), for log
 * and exception messages only: callers go by the numbers of {@link OpenFlowException}.
 */
final class OpenFlowErrorNames {
  /** By type: the type's name, then its codes' names by code. */
  private static final List<List<String>> NAMES =
      List.of(
          List.of("HELLO_FAILED", "INCOMPATIBLE", "EPERM"),
          List.of(
              "BAD_REQUEST",
              "BAD_VERSION",
              "BAD_TYPE",
              "BAD_MULTIPART",
              "BAD_EXPERIMENTER",
              "BAD_EXP_TYPE",
              "EPERM",
              "BAD_LEN",
              "BUFFER_EMPTY",
              "BUFFER_UNKNOWN",
              "BAD_TABLE_ID",
              "IS_SLAVE",
              "BAD_PORT",
              "BAD_PACKET",
              "MULTIPART_BUFFER_OVERFLOW",
              "MULTIPART_REQUEST_TIMEOUT",
              "MULTIPART_REPLY_TIMEOUT"),
          List.of(
              "BAD_ACTION",
              "BAD_TYPE",
              "BAD_LEN",
              "BAD_EXPERIMENTER",
              "BAD_EXP_TYPE",
              "BAD_OUT_PORT",
              "BAD_ARGUMENT",
              "EPERM",
              "TOO_MANY",
              "BAD_QUEUE",
              "BAD_OUT_GROUP",
              "MATCH_INCONSISTENT",
              "UNSUPPORTED_ORDER",
              "BAD_TAG",
              "BAD_SET_TYPE",
              "BAD_SET_LEN",
              "BAD_SET_ARGUMENT"),
          List.of(
              "BAD_INSTRUCTION",
              "UNKNOWN_INST",
              "UNSUP_INST",
              "BAD_TABLE_ID",
              "UNSUP_METADATA",
              "UNSUP_METADATA_MASK",
              "BAD_EXPERIMENTER",
              "BAD_EXP_TYPE",
              "BAD_LEN",
              "EPERM",
              "DUP_INST"),
          List.of(
              "BAD_MATCH",
              "BAD_TYPE",
              "BAD_LEN",
              "BAD_TAG",
              "BAD_DL_ADDR_MASK",
              "BAD_NW_ADDR_MASK",
              "BAD_WILDCARDS",
              "BAD_FIELD",
              "BAD_VALUE",
              "BAD_MASK",
              "BAD_PREREQ",
              "DUP_FIELD",
              "EPERM"),
          List.of(
              "FLOW_MOD_FAILED",
              "UNKNOWN",
              "TABLE_FULL",
              "BAD_TABLE_ID",
              "OVERLAP",
              "EPERM",
              "BAD_TIMEOUT",
              "BAD_COMMAND",
              "BAD_FLAGS",
              "CANT_SYNC",
              "BAD_PRIORITY"),
          List.of("GROUP_MOD_FAILED"),
          List.of("PORT_MOD_FAILED"),
          List.of("TABLE_MOD_FAILED"),
          List.of("QUEUE_OP_FAILED"),
          List.of("SWITCH_CONFIG_FAILED"),
          List.of("ROLE_REQUEST_FAILED"),
          List.of("METER_MOD_FAILED"),
          List.of("TABLE_FEATURES_FAILED"),
          List.of("BAD_PROPERTY"),
          List.of("ASYNC_CONFIG_FAILED"),
          List.of("FLOW_MONITOR_FAILED"),
          List.of(
              "BUNDLE_FAILED",
              "UNKNOWN",
              "EPERM",
              "BAD_ID",
              "BUNDLE_EXIST",
              "BUNDLE_CLOSED",
              "OUT_OF_BUNDLES",
              "BAD_TYPE",
              "BAD_FLAGS",
              "MSG_BAD_LEN",
              "MSG_BAD_XID",
              "MSG_UNSUP",
              "MSG_CONFLICT",
              "MSG_TOO_MANY",
              "MSG_FAILED",
              "TIMEOUT",
              "BUNDLE_IN_PROGRESS"));

  private OpenFlowErrorNames() {}

  /** TYPE/CODE by name where known, e.g. "BAD_ACTION/MATCH_INCONSISTENT", else the numbers. */
  static String name(int type, int code) {
    if (type < 0 || type >= NAMES.size()) {
      return (type == 0xffff ? "EXPERIMENTER" : String.valueOf(type)) + "/" + code;
    }
    List<String> names = NAMES.get(type);
    return names.get(0) + "/" + (code >= 0 && code + 1 < names.size() ? names.get(code + 1) : code);
  }
}
