# What the two switchplane launchers (the source tree's bin/switchplane and the tarball's) share,
# sourced by both; needs JAR (the CLI jar) and, optionally, JAVA: the agent's JVM options, and the
# client side of the resident CLI.

# The agent is long-running (the full JIT) but small by default, as a host's agent sits beside its
# workloads: one serial GC thread and a bounded heap, fewer Netty buffer arenas, a smaller code
# cache. SWITCHPLANE_JAVA_OPTS comes after these, so that its options win.
AGENT_JVM_OPTS=(-XX:+UseSerialGC -Xms16m -Xmx128m -Xss512k -XX:ReservedCodeCacheSize=32m
  -Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=1
  -Dio.grpc.netty.shaded.io.netty.allocator.numHeapArenas=1)

# Called by the launchers' agent verb only. Native memory the JIT's compilations and RocksDB freed
# stays in glibc's malloc arenas (up to eight per core), 5-10 MiB of an idle agent's RSS: two
# arenas (MALLOC_ARENA_MAX, unless set), and the JVM hands what is free back to the system every
# 10 s (-XX:TrimNativeHeapInterval, from JDK 17.0.9: probed, so an older 17 still starts).
agent_jvm_setup() {
  export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
  if "${JAVA:-java}" -XX:TrimNativeHeapInterval=10000 -XX:TieredStopAtLevel=1 -version \
    >/dev/null 2>&1; then
    AGENT_JVM_OPTS+=(-XX:TrimNativeHeapInterval=10000)
  fi
}

# The resident CLI.
# A read verb is answered by a JVM of this user's that stays up between calls
# (io.switchplane.cli.resident.ResidentServer; state in $SWITCHPLANE_RESIDENT_DIR, else
# ~/.switchplane). It writes to the launcher's own stdout and stderr (/proc/$$/fd/1 and 2) and
# answers "exit N", or "fallback" for what it does not run: writes, watches, help. The first call
# starts it in the background, as does the first after a rebuild (the old one answers "restart").
# SWITCHPLANE_RESIDENT=0 turns it off; =require fails (exit 70) when it did not answer, for tests
# and the bench.

RESIDENT_DIR="${SWITCHPLANE_RESIDENT_DIR:-$HOME/.switchplane}"

resident_start() {
  mkdir -p "$RESIDENT_DIR"
  SWITCHPLANE_RESIDENT_DIR="$RESIDENT_DIR" setsid "${JAVA:-java}" -XX:TieredStopAtLevel=1 \
    -XX:+UseSerialGC -Xss512k -Xmx256m -cp "$JAR" io.switchplane.cli.resident.ResidentMain \
    </dev/null >>"$RESIDENT_DIR/resident.log" 2>&1 &
}

# Runs "$@" in the resident CLI and exits with its exit code; returns 1 when it did not run it.
resident_run() {
  local port token rest answer name
  local -a env=()
  [[ -r "$RESIDENT_DIR/resident" ]] || { resident_start; return 1; }
  read -r port token rest <"$RESIDENT_DIR/resident" || return 1
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || { resident_start; return 1; }
  for name in $(compgen -e); do
    [[ "$name" == SWITCHPLANE_* ]] && env+=("$name=${!name}")
  done
  printf '%s\0' switchplane-resident-1 "$token" "$$" "${#env[@]}" "${env[@]}" "$#" "$@" >&3
  IFS= read -r -u 3 answer || answer=""
  exec 3<&-
  case "$answer" in
    "exit "*) exit "${answer#exit }" ;;
    restart) resident_start ;; # it ran from a jar since rebuilt, and stops
  esac
  return 1
}

# As SWITCHPLANE_RESIDENT says: exits with the verb's code when the resident CLI ran it.
resident_dispatch() {
  case "${SWITCHPLANE_RESIDENT:-1}" in
    0) ;;
    require)
      resident_run "$@" || {
        echo "switchplane: the resident CLI did not run this" >&2
        exit 70
      } ;;
    *) resident_run "$@" || true ;;
  esac
}
