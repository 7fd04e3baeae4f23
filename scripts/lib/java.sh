# Sourced by the scripts: picks the JDK 25 that builds and runs shim4j (the machine's default
# java may be older). SHIM4J_JAVA_HOME overrides.
shim4j_java_home() {
  local candidate
  for candidate in "${SHIM4J_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-* \
      /usr/lib/jvm/java-25-*; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ]; then
      echo "$candidate"
      return 0
    fi
  done
  echo "shim4j needs JDK 25: set SHIM4J_JAVA_HOME or install Temurin 25 under /usr/lib/jvm" >&2
  return 1
}
JAVA_HOME=$(shim4j_java_home)
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
