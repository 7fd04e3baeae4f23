package dev.shim4j.runc;

import dev.shim4j.shim.reaper.Stdio;

/**
 * The stdio runc hands to the container process it starts (create, exec, restore): runc's own
 * stdin, stdout and stderr are inherited by the process, so these are what the process sees.
 */
public record ProcessIo(Stdio stdin, Stdio stdout, Stdio stderr) {
  public ProcessIo {
    stdin = stdin == null ? Stdio.devNull() : stdin;
    stdout = stdout == null ? Stdio.devNull() : stdout;
    stderr = stderr == null ? Stdio.devNull() : stderr;
  }

  /** Every stream on /dev/null (also the choice with a terminal: the pty carries the I/O). */
  public static ProcessIo none() {
    return new ProcessIo(Stdio.devNull(), Stdio.devNull(), Stdio.devNull());
  }

  /** The process reads and writes descriptors the caller owns (pipes, FIFOs). */
  public static ProcessIo fds(int stdin, int stdout, int stderr) {
    return new ProcessIo(fdOrNull(stdin), fdOrNull(stdout), fdOrNull(stderr));
  }

  private static Stdio fdOrNull(int fd) {
    return fd < 0 ? Stdio.devNull() : Stdio.fd(fd);
  }
}
