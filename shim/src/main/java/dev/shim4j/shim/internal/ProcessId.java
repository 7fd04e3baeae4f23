package dev.shim4j.shim.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process as it cannot be mistaken for another: its pid and its start time (clock ticks since
 * boot, /proc/PID/stat), so that a pid reused after the process died is not taken for it.
 * Written {@code PID:START}; a bare {@code PID} (start time unknown) matches any process with it.
 */
record ProcessId(long pid, long startTicks) {
  private static final long UNKNOWN = -1;

  /** The process that has {@code pid} now, if any. */
  static Optional<ProcessId> of(long pid) {
    return startTicksOf(pid).map(start -> new ProcessId(pid, start));
  }

  static ProcessId self() {
    long pid = ProcessHandle.current().pid();
    return of(pid).orElse(new ProcessId(pid, UNKNOWN));
  }

  /** {@code PID:START} or {@code PID}; empty when malformed. */
  static Optional<ProcessId> parse(String text) {
    try {
      String[] parts = text.strip().split(":", -1);
      if (parts.length == 1) {
        return Optional.of(new ProcessId(Long.parseLong(parts[0]), UNKNOWN));
      }
      if (parts.length == 2) {
        return Optional.of(new ProcessId(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
      }
    } catch (NumberFormatException e) {
      // malformed
    }
    return Optional.empty();
  }

  /** Whether this very process still runs (a zombie does not). */
  boolean isAlive() {
    Optional<String> stat = stat(pid);
    if (stat.isEmpty()) {
      return false;
    }
    String[] fields = afterName(stat.get());
    return fields.length > 19 && !fields[0].equals("Z")
        && (startTicks == UNKNOWN || fields[19].equals(Long.toString(startTicks)));
  }

  @Override
  public String toString() {
    return startTicks == UNKNOWN ? Long.toString(pid) : pid + ":" + startTicks;
  }

  private static Optional<Long> startTicksOf(long pid) {
    return stat(pid).map(ProcessId::afterName).filter(f -> f.length > 19)
        .map(f -> Long.parseLong(f[19]));
  }

  private static Optional<String> stat(long pid) {
    try {
      return Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The fields after {@code (comm)}, which may itself hold spaces and parentheses. */
  private static String[] afterName(String stat) {
    int close = stat.lastIndexOf(')');
    return close < 0 ? new String[0] : stat.substring(close + 1).strip().split(" ");
  }
}
