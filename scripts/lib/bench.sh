# Shared pieces of scripts/bench-*: sourced, not run.
# Needs: bash 5+ (EPOCHREALTIME), a JDK 25 (JAVA_HOME or the one on PATH), root (shims put their
# sockets in /run/containerd/s).

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dist=$bench_root/dist/target/shim4j

bench_log() { echo "[bench] $*" >&2; }
bench_die() { echo "[bench] error: $*" >&2; exit 1; }

# A JDK 25 for the Java probes (the launchers pick their own).
bench_java_home() {
  local h
  for h in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64; do
    [[ -n $h && -x $h/bin/java ]] || continue
    grep -q '^JAVA_VERSION="2[5-9]' "$h/release" 2>/dev/null && { echo "$h"; return; }
  done
  bench_die "no JDK 25 found: set JAVA_HOME"
}

# Builds the distribution (launchers + AOT caches) unless it is there.
bench_ensure_dist() {
  local java_home=$1
  if [[ ! -x $bench_dist/bin/containerd-shim-skeleton-v1 || -n ${BENCH_REBUILD:-} ]]; then
    bench_log "building dist (mvn package -pl dist -am)"
    (cd "$bench_root" && JAVA_HOME=$java_home mvn -B -q package -pl dist -am -DskipTests) >&2
  fi
}

# The probe class path: the bench classes of the dist module's jar, then the distribution's jars.
bench_probe_classpath() {
  local jar cp
  cp=$(ls "$bench_root"/dist/target/dist-*.jar | head -1)
  for jar in "$bench_dist"/lib/*.jar; do cp+=:$jar; done
  echo "$cp"
}

# A bundle as containerd makes it for a shim's start: config.json, the `log` FIFO with a reader.
# Sets bench_log_reader (pid of the reader).
bench_make_bundle() {
  local dir=$1
  mkdir -p "$dir"
  echo '{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"rootfs"},"annotations":{}}' \
    > "$dir/config.json"
  rm -f "$dir/log"
  mkfifo "$dir/log"
  # Opened read-write: the reader holds a writer itself, so it never sees EOF when a shim
  # closes its end, and later shims' opens never block (Go's daemon opens it before serving).
  cat 0<> "$dir/log" > "$dir/../shim-$(basename "$dir").log" &
  bench_log_reader=$!
}

# Pids of shim processes run with `-id $1` ($1 unique to this run), matched on whole arguments
# (so a process whose command line merely mentions the id, such as a shell, is not one of them).
bench_pids_with() {
  local id=$1 p i args
  # pgrep narrows it down (reading every /proc/PID/cmdline in bash took ~0.5 s per call)
  for p in $(pgrep -f -- "$id" || true); do
    p=/proc/$p
    mapfile -d '' args < "$p/cmdline" 2>/dev/null || continue
    for (( i = 0; i + 1 < ${#args[@]}; i++ )); do
      if [[ ${args[i]} == -id && ${args[i+1]} == "$id" ]]; then
        echo "${p#/proc/}"
        break
      fi
    done
  done
  return 0
}

# SIGKILLs the processes carrying token $1 and waits until they are gone.
bench_kill_token() {
  local pid pids
  pids=$(bench_pids_with "$1")
  [[ -z $pids ]] && return 0
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in $pids; do
    for _ in $(seq 1 200); do [[ -d /proc/$pid ]] || break; sleep 0.01; done
  done
  return 0
}

# Median of numbers on stdin.
bench_median() {
  sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

# bench_interleaved OUT RUNS WARMUP NAME CMD [NAME CMD]...: wall time of each command, run in turn
# (A B, B A, A B, ...), so that the machine's drift (DAMON reclaim, other load) hits every
# command alike; run one after another in blocks, as hyperfine does, a slow minute lands on one
# side of the ratio only. A CMD is a plain command line (words split at blanks, no shell syntax),
# executed directly as hyperfine -N does: no shell's start-up is timed with it. stdin is
# /dev/null, output is discarded, a failure stops the benchmark. BENCH_PREPARE, when set, runs
# (untimed, through bash) before every command. Appends "NAME MILLISECONDS" lines to OUT.
bench_interleaved() {
  local out=$1 runs=$2 warmup=$3
  shift 3
  local -a names=() cmds=() argv
  while (( $# >= 2 )); do names+=("$1"); cmds+=("$2"); shift 2; done
  local i k j n=${#names[@]} t0 t1
  for (( i = 0; i < warmup + runs; i++ )); do
    for (( k = 0; k < n; k++ )); do
      (( i % 2 == 0 )) && j=$k || j=$(( n - 1 - k ))
      [[ -n ${BENCH_PREPARE:-} ]] && bash -c "$BENCH_PREPARE" > /dev/null 2>&1
      read -r -a argv <<< "${cmds[j]}"
      t0=${EPOCHREALTIME/./}
      "${argv[@]}" < /dev/null > /dev/null 2>&1 || bench_die "${names[j]} failed: ${cmds[j]}"
      t1=${EPOCHREALTIME/./}
      (( i < warmup )) || printf '%s %d.%03d\n' "${names[j]}" $(( (t1 - t0) / 1000 )) $(( (t1 - t0) % 1000 )) >> "$out"
    done
  done
}

# bench_times_median OUT NAME: the median of NAME's milliseconds in OUT (see bench_interleaved).
bench_times_median() {
  awk -v name="$2" '$1 == name {print $2}' "$1" | bench_median
}

# bench_ratio A B: A / B with two decimals (ours / Go).
bench_ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'
}

# The pools of pre-started and live daemons that answer starts (see launcher/src/main/resources/dev/shim4j/launcher/shim4j-start.c):
# POOL below is either one pool directory (bench_pool) or a SHIM4J_PREFORK_DIR holding pools.

# bench_pool DIST NAME ARGS...: the pool directory of a start of launcher NAME with ARGS
# (-namespace, -address), under SHIM4J_PREFORK_DIR (default /run/shim4j/prefork).
bench_pool() {
  local dist=$1
  shift
  "$dist/bin/shim4j-start" --pool "$@"
}

# bench_await_daemon POOL: waits (up to 5 s) until a daemon answers other launchers' starts there
# (dev.shim4j.shim.internal.WarmStarts: its socket daemon.PID).
bench_await_daemon() {
  local _
  for _ in $(seq 50); do
    compgen -G "$1/daemon.*" > /dev/null && return 0
    compgen -G "$1/*/daemon.*" > /dev/null && return 0
    sleep 0.1
  done
  return 0
}

# bench_await_spare POOL: waits (up to 15 s) until a pre-started daemon there is ready and warm:
# its socket spare.PID bound by a live PID, none of whose warm-up threads ("warmup-*", see
# InProcessStart) runs any more (a spare takes starts from the moment its socket is bound).
bench_await_spare() {
  local socket pid _
  for _ in $(seq 150); do
    for socket in "$1"/spare.* "$1"/*/spare.*; do
      [[ -S $socket ]] || continue
      pid=${socket##*.}
      kill -0 "$pid" 2>/dev/null || continue
      grep -qs '^warmup-' /proc/"$pid"/task/*/comm || return 0
    done
    sleep 0.1
  done
  return 0
}

# bench_prefork_pids POOL: the spares of POOL and the daemons started from it (cold starts, spares
# adopted, daemons spawned): their command line carries -Ddev.shim4j.pool=POOL...
bench_prefork_pids() {
  grep -lz -- "-Ddev.shim4j.pool=$1" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 || true
}

# bench_reap_adopted POOL: kills the daemons that were spares of POOL (see bench_prefork_pids);
# the spares, booting or waiting (their command line still ends in prefork), live on.
bench_reap_adopted() {
  local pid last
  for pid in $(bench_prefork_pids "$1"); do
    last=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -v '^$' | tail -1)
    [[ $last == prefork ]] || kill -9 "$pid" 2>/dev/null || true
  done
}

# bench_await_launchers ID: waits (up to 2 s) until no launcher script run with `-id ID` is left:
# a launcher's background work after its answer (starting a spare) carries the id as well, and
# killing it would be a bench's doing, not the launcher's.
bench_await_launchers() {
  local pid busy comm _
  for _ in $(seq 200); do
    busy=""
    for pid in $(bench_pids_with "$1"); do
      { read -r comm < "/proc/$pid/comm"; } 2>/dev/null && [[ $comm == bash ]] && busy=1
    done
    [[ -z $busy ]] && return 0
    sleep 0.01
  done
}

# bench_kill_spares POOL: kills the spares of POOL and every daemon started from it (they carry
# -Ddev.shim4j.pool=POOL... on their command line).
bench_kill_spares() {
  [[ -n $1 ]] || return 0 # no directory yet: nothing of ours to kill
  pkill -9 -f -- "-Ddev.shim4j.pool=$1" || true
}
