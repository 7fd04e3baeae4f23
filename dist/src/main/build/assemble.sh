#!/usr/bin/env bash
# Assembles the distribution: bin/ launchers for the commands in `commands`, each running the JVM
# with the options of `jvm.options`, and lib/aot/NAME.aot, the AOT cache trained for each.
#
#   assemble.sh DIST JAVA_HOME BUILD_DIR [train|no-train] [TRAINING_CLASSES]
#
# DIST/lib already holds the runtime jars (maven-dependency-plugin). Training runs the real
# launchers: a shim's `start`, then a client's Connect and Shutdown to the daemon it spawned.
# The daemon inherits start's JVM command line (it is re-executed from /proc/self/cmdline), so
# both record into the same AOT configuration; the daemon's, written when it exits, is the one
# kept: it is the process that lives on, and it loads almost every class start does.
# runc4j trains on a container's whole life instead: TRAINING_CLASSES (the dist module's classes)
# holds dev.shim4j.dist.train.RuncTraining, which plays containerd against the launcher.
set -euo pipefail

dist=$(cd "$1" && pwd -P)
java_home=$2
build=$3
mode=${4:-train}
training_classes=${5:-}

lib=$dist/lib
bin=$dist/bin
mkdir -p "$bin" "$lib/aot"
rm -f "$bin"/* "$lib"/aot/*

log() { echo "[shim4j dist] $*" >&2; }

# --- class path: every jar of lib/, in a fixed order, relative to the launcher's $lib --------
# The shim library's jar comes first. It registers the LoggerFinder (META-INF/services), and the
# JDK looks for one with a ServiceLoader when java.util.logging starts (protobuf starts it): that
# lookup stops at the first jar that has one, and opening the others costs 10-20 ms of a cold
# daemon's CPU (each jar's central directory is read in interpreted code).
jars=()
for jar in "$lib"/shim-[0-9]*.jar "$lib"/*.jar; do
  [[ -f $jar ]] || continue
  jar=${jar##*/}
  [[ " ${jars[*]} " == *" $jar "* ]] || jars+=("$jar")
done
if (( ${#jars[@]} == 0 )); then
  log "no jars in $lib"; exit 1
fi
classpath=""
for jar in "${jars[@]}"; do
  classpath+=${classpath:+:}'$lib/'$jar
done

# --- JVM options: jvm.options without comments and blank lines ---------------------------------
jvm_options=()
while IFS= read -r line; do
  line=${line%%#*}
  line=${line#"${line%%[![:space:]]*}"}
  line=${line%"${line##*[![:space:]]}"}
  [[ -n $line ]] && jvm_options+=("$line")
done < "$build/jvm.options"
# Single-quoted in the launcher: options such as -Xlog:aot*=off must not glob.
quoted_options=$(printf "'%s' " "${jvm_options[@]}")
quoted_options=${quoted_options% }

# Whether some jar of lib/ holds class $1 (a dotted name).
has_class() {
  local entry=${1//.//}.class jar
  for jar in "${jars[@]}"; do
    if command -v unzip >/dev/null; then
      unzip -Z1 "$lib/$jar" "$entry" >/dev/null 2>&1 && return 0
    else
      "$java_home/bin/jar" tf "$lib/$jar" | grep -xF "$entry" >/dev/null && return 0
    fi
  done
  return 1
}

# --- bin/shim4j-start: the launchers' `start` (dist/src/main/c/shim4j-start.c) -------------------
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null; then
  log "no C compiler ($cc): install one (e.g. gcc) or set CC; bin/shim4j-start is built from $build/../c/shim4j-start.c"
  exit 1
fi
"$cc" -O2 -Wall -Wextra -Werror -o "$bin/shim4j-start" "$build/../c/shim4j-start.c"
log "bin/shim4j-start"

# --- launchers -----------------------------------------------------------------------------------
declare -A training=()
names=()
while read -r name main train _; do
  [[ -z $name || $name == \#* ]] && continue
  if ! has_class "$main"; then
    log "skipping $name: $main is not in lib/ (its module is not built)"
    continue
  fi
  sed -e "s|@NAME@|$name|g" -e "s|@MAIN@|$main|g" -e "s|@JAVA_HOME@|$java_home|g" \
      -e "s|@CLASSPATH@|$classpath|g" -e "s|@JVM_OPTIONS@|$quoted_options|g" \
      "$build/launcher.bash" > "$bin/$name"
  chmod 0755 "$bin/$name"
  names+=("$name")
  training[$name]=$train
  log "bin/$name -> $main"
done < "$build/commands"

[[ $mode == train ]] || { log "AOT training skipped"; exit 0; }

# --- AOT training ----------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/shim4j-aot.XXXXXX")
reader=""
cleanup() {
  [[ -n $reader ]] && kill "$reader" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A bundle as containerd prepares it: config.json and the `log` FIFO (with a reader, as
# containerd keeps one open).
bundle=$work/bundle
mkdir -p "$bundle"
echo '{"ociVersion":"1.0.2","process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"rootfs"}}' \
  > "$bundle/config.json"
mkfifo "$bundle/log"
# Read-write: the reader never sees EOF when one shim closes its end.
cat 0<> "$bundle/log" > "$work/shim.log" &
reader=$!

# Training starts no spares (they would record too, and outlive the training for a while) and
# leaves nothing in the machine's spare directory; its daemons still answer starts, as they do.
export SHIM4J_PREFORK=0 SHIM4J_PREFORK_DIR=$work/prefork

record() { # CONF: the JVM options that record an AOT configuration into CONF
  echo "-XX:AOTMode=record -XX:AOTConfiguration=$1"
}

create() { # NAME CONF: builds lib/aot/NAME.aot from the recorded CONF
  local name=$1 conf=$2
  "$java_home/bin/java" "${jvm_options[@]}" -XX:AOTMode=create -XX:AOTConfiguration="$conf" \
    -XX:AOTCache="$lib/aot/$name.aot" -cp "${classpath//\$lib/$lib}" > "$work/create-$name.out" 2>&1 \
    || { cat "$work/create-$name.out" >&2; log "AOT cache creation failed for $name"; return 1; }
  log "lib/aot/$name.aot: $(stat -c %s "$lib/aot/$name.aot") bytes"
}

# The pid of the daemon serving instance $1 (the start process that shares its id has exited).
daemon_pid() {
  local id=$1 pid
  for pid in $(pgrep -f -- "-id $id( |$)" || true); do
    [[ $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) == *" -id $id "* ]] && { echo "$pid"; return; }
  done
}

train_shim() { # NAME: start a daemon, Connect + Shutdown through shim-proto-connect
  local name=$1 id="aot-train-$$-$1" address pid client_opts="" conf
  local client_conf=$work/shim-proto-connect.aotconf
  if [[ ${training[shim-proto-connect]:-} == client && ! -f $client_conf ]]; then
    client_opts=$(record "$client_conf")
  fi
  # %p: the JVM writes pidNNN into the name, so start and its daemon record apart (each opens
  # its file when it starts and writes it when it exits).
  address=$(cd "$bundle" && SHIM4J_JAVA_OPTS=$(record "$work/$name-%p.aotconf") timeout 60 "$bin/$name" \
    -namespace shim4j-aot -id "$id" -address "$work/containerd.sock" -publish-binary /bin/false \
    start < /dev/null) || { log "$name start failed during AOT training"; return 1; }
  # A recording JVM announces "AOTConfiguration recorded: ..." on stdout at exit, right after
  # the address (only while training: production runs do not record).
  address=${address%%[[:space:]]*}
  if [[ $address != unix://* ]]; then
    log "$name start printed '$address', not an address"; return 1
  fi
  pid=$(daemon_pid "$id")
  if [[ -z $pid ]]; then log "no daemon found for $name"; return 1; fi
  conf=$work/$name-pid$pid.aotconf
  if [[ -x $bin/shim-proto-connect ]]; then
    SHIM4J_JAVA_OPTS=$client_opts timeout 60 "$bin/shim-proto-connect" "$address" > "$work/connect-$name.out" 2>&1 \
      || { cat "$work/connect-$name.out" >&2; log "shim-proto-connect failed against $name"; kill "$pid" 2>/dev/null; return 1; }
  else
    kill -TERM "$pid"
  fi
  # The daemon writes its configuration on its way out: that takes seconds.
  for _ in $(seq 1 1200); do
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]]; then
    kill -KILL "$pid" 2>/dev/null || true
    log "$name daemon did not exit after Shutdown"; return 1
  fi
  [[ -s $conf ]] || { log "$name daemon recorded no AOT configuration ($conf)"; return 1; }
  create "$name" "$conf"
  if [[ -n $client_opts && -f $client_conf ]]; then
    create shim-proto-connect "$client_conf"
  fi
}

# The lifecycle driver (dist's RuncTraining) against the launcher: Create, Start, Wait, State,
# Pids, Stats, Exec, stdin, Kill, Delete of two containers, then Shutdown. It needs root, runc
# and /bin/busybox; without them, or if it fails, the command gets train_shim's cache.
train_runc() { # NAME
  local name=$1 dir=$work/$1-lifecycle conf status=0
  if [[ -z $training_classes || ! -f $training_classes/dev/shim4j/dist/train/RuncTraining.class ]]; then
    log "$name: no lifecycle driver (TRAINING_CLASSES not given): start + Connect + Shutdown training"
    train_shim "$name"; return
  fi
  log "$name: training on a container lifecycle"
  conf=$(timeout 600 "$java_home/bin/java" --enable-native-access=ALL-UNNAMED \
    --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -cp "$training_classes:${classpath//\$lib/$lib}" dev.shim4j.dist.train.RuncTraining \
    "$bin/$name" "$dir" 2> "$work/train-$name.log" < /dev/null) || status=$?
  sed 's/^/[shim4j dist]   /' "$work/train-$name.log" >&2
  case $status in
    0) if create "$name" "$conf"; then log "$name: AOT cache trained on a container lifecycle"; return; fi ;;
    2) log "$name: this machine cannot run containers: start + Connect + Shutdown training instead" ;;
    *) log "WARNING: $name lifecycle training failed (status $status): start + Connect + Shutdown training instead" ;;
  esac
  train_shim "$name"
}

# A command whose training fails still has its launcher, running without a cache (the dist tests
# check that the caches exist, so a broken training does not go unnoticed).
for name in "${names[@]}"; do
  case ${training[$name]} in
    shim) train_shim "$name" || log "WARNING: no AOT cache for $name (its launcher works without one)" ;;
    runc) train_runc "$name" || log "WARNING: no AOT cache for $name (its launcher works without one)" ;;
  esac
done
log "AOT caches: $(cd "$lib/aot" && shopt -s nullglob && echo *.aot)"
