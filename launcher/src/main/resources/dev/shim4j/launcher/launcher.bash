#!/usr/bin/env bash
# @NAME@: runs @MAIN@ on the JVM with shim4j's tuned command line.
# Written by shim4j-maven-plugin (shim4j:package) from shim4j-launcher's launcher.bash; edit the
# template, not this file. containerd runs this as a shim: stdout (and stderr, which containerd 1.6 reads
# together with it in `start`) is protocol, so this script prints nothing itself, and the JVM is
# told to keep its own logging off stdout.
#
# Speed matters here (containerd waits for `start`), so this avoids forking: no $(...) unless
# the script is reached through a symlink.

# containerd 1.6 runs `BIN ... delete` (cwd = the bundle) after every shim disconnect and waits
# for it. A shim that already deleted its container over the task API leaves this marker in the
# bundle (runc4j does); then there is nothing to clean up and no JVM needs to start: empty stdout
# is an empty DeleteResponse, the same answer the JVM would give.
[[ ${!#} == delete && -e .shim4j-deleted ]] && exit 0

# Where this script really lives: bin/ of the distribution (follow symlinks, e.g. from PREFIX/bin).
self=${BASH_SOURCE[0]}
[[ $self == */* ]] || self=$(command -v -- "$self")
[[ $self == /* ]] || self=$PWD/$self
while [[ -L $self ]]; do
  target=$(readlink -- "$self")
  [[ $target == /* ]] || target=${self%/*}/$target
  self=$target
done
bin=${self%/*}
home=${bin%/*}
lib=$home/lib

# The JVM: SHIM4J_JAVA_HOME, else JAVA_HOME if it is a JDK 25 or later, else the JDK this
# distribution was built (and its AOT caches trained) with.
java_home=${SHIM4J_JAVA_HOME:-}
if [[ -z $java_home && -n ${JAVA_HOME:-} && -r $JAVA_HOME/release ]]; then
  while IFS= read -r line; do
    if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
      (( BASH_REMATCH[1] >= 25 )) && java_home=$JAVA_HOME
      break
    fi
  done < "$JAVA_HOME/release"
fi
java_home=${java_home:-@JAVA_HOME@}

# glibc gives each thread group its own malloc arena (up to 8 per core), each keeping freed memory;
# a shim with dozens of mostly idle threads does better with two. Inherited by the daemon.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}

# The AOT cache trained at build time for this command (JEP 483/514/515). Missing or stale
# (another JDK, another class path): the JVM runs without it, silently (see jvm.options).
aot=()
cache=$lib/aot/@NAME@.aot
[[ -f $cache ]] && aot=(-XX:AOTCache="$cache")

java=("$java_home/bin/java" @JVM_OPTIONS@ "${aot[@]}" ${SHIM4J_JAVA_OPTS:-} -cp "@CLASSPATH@")

# `start`: bin/shim4j-start (shim4j-start.c, beside this template) hands it to a JVM already up
# (a spare, or a live daemon of this containerd, runtime and namespace) or runs it cold in a JVM
# that answers and becomes the daemon (-Ddev.shim4j.start=in-process). It alone writes containerd's
# stdout, once. Its arguments: the runtime, the number of JVM words, the JVM command line up to the
# main class, then start's own arguments.
if [[ ${!#} == start && -x $bin/shim4j-start ]]; then
  exec "$bin/shim4j-start" @NAME@ $(( ${#java[@]} + 1 )) "${java[@]}" @MAIN@ "$@"
fi

exec "${java[@]}" @MAIN@ "$@"
