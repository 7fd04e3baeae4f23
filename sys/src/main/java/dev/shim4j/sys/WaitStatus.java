package dev.shim4j.sys;

/**
 * A child reaped by waitpid: its pid and the raw status word, decoded the way the W* macros do.
 */
public record WaitStatus(int pid, int raw) {
  /** True when the process called exit (or returned from main). */
  public boolean exited() {
    return (raw & 0x7f) == 0;
  }

  /** The exit code; meaningful only when {@link #exited()}. */
  public int exitCode() {
    return (raw >> 8) & 0xff;
  }

  /** True when a signal ended the process. */
  public boolean signaled() {
    int low = raw & 0x7f;
    return low != 0 && low != 0x7f;
  }

  /** The signal that ended the process; meaningful only when {@link #signaled()}. */
  public int signal() {
    return raw & 0x7f;
  }

  public boolean coreDumped() {
    return signaled() && (raw & 0x80) != 0;
  }

  /** The status shells and containerd report: the exit code, or 128 + the signal number. */
  public int shellStatus() {
    if (exited()) {
      return exitCode();
    }
    if (signaled()) {
      return 128 + signal();
    }
    return 255;
  }

  @Override
  public String toString() {
    if (exited()) {
      return "pid " + pid + " exited " + exitCode();
    }
    if (signaled()) {
      return "pid " + pid + " killed by " + Signals.name(signal());
    }
    return "pid " + pid + " status 0x" + Integer.toHexString(raw);
  }
}
