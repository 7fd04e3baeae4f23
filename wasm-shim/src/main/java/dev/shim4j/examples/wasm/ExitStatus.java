package dev.shim4j.examples.wasm;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Exit statuses as a process's would read, for instances that have no process. */
final class ExitStatus {
  static final int SIGKILL = 9;
  static final int SIGTERM = 15;
  /** 128 + SIGKILL: what a shell reports for a process killed by SIGKILL. */
  static final int KILLED_BY_SIGKILL = 128 + SIGKILL;
  /**
   * A trap (unreachable, out-of-bounds access, stack exhaustion...): 128 + SIGABRT, as a native
   * program that aborts would end, and as wasmtime's CLI reports a trap on Unix.
   */
  static final int TRAP = 128 + 6;

  private ExitStatus() {}

  /** 128 + signal, a process's status when a signal ended it. */
  static int killedBy(int signal) {
    return 128 + signal;
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
