package dev.shim4j.sys;

import java.io.IOException;

/**
 * A failed system call: which call, on what (optional detail such as a path), and the errno, e.g.
 * {@code waitpid: ECHILD (10)} or {@code open /x: ENOENT (2)}.
 */
public final class SysException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String call;
  private final int errno;

  public SysException(String call, int errno) {
    this(call, null, errno);
  }

  public SysException(String call, String detail, int errno) {
    super(call + (detail == null ? "" : " " + detail) + ": " + Errno.name(errno) + " (" + errno + ")");
    this.call = call;
    this.errno = errno;
  }

  /** The libc function that failed, e.g. "waitpid". */
  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }

  public boolean is(int expected) {
    return errno == expected;
  }
}
