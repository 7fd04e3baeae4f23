package dev.shim4j.shim.log;

import dev.shim4j.sys.Errno;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.SysException;
import java.nio.file.Path;

/**
 * The bundle's {@code log} FIFO, which containerd reads and copies into its own log. Opened
 * write-only and non-blocking, so that neither open (no reader yet: ENXIO) nor write (reader too
 * slow: EAGAIN) can hold the writer thread; without a reader the sink retries the open now and
 * then and drops lines meanwhile. When the reader goes away (EPIPE: containerd restarted) the
 * FIFO is reopened, because a restarted containerd opens the same FIFO again.
 */
final class FifoSink implements LogSink {
  /** Writes up to PIPE_BUF are atomic on a pipe: all of it or EAGAIN, never half a line. */
  private static final int PIPE_BUF = 4096;
  private static final long REOPEN_INTERVAL_NANOS = 200_000_000L;
  /** How long a full pipe may delay one line before it is dropped. */
  private static final int FULL_PIPE_WAIT_MILLIS = 50;
  /** Once half a line is out, finishing it is worth a longer wait than dropping a whole one. */
  private static final long PARTIAL_LINE_DEADLINE_NANOS = 1_000_000_000L;

  private final Path fifo;
  private int fd = -1;
  private long nextOpenAttempt;
  /** Set after a line found the pipe full for a whole wait: drop at once until a write succeeds. */
  private boolean stalled;

  /**
   * Opens nothing yet: the first line opens the FIFO, on the log writer's thread. The open is a
   * native call, and the first native call of a JVM costs tens of milliseconds of linking that a
   * {@code start} (which usually logs nothing) must not pay while containerd waits for it.
   */
  FifoSink(Path fifo) {
    this.fifo = fifo;
    this.nextOpenAttempt = System.nanoTime();
  }

  /** True while a reader holds the FIFO open (as far as the last open/write could tell). */
  boolean connected() {
    return fd >= 0;
  }

  @Override
  public boolean write(byte[] line) {
    if (fd < 0 && !tryOpen()) {
      return false;
    }
    int off = 0;
    long partialDeadline = 0;
    while (off < line.length) {
      int len = Math.min(PIPE_BUF, line.length - off);
      try {
        Fds.writeFully(fd, line, off, len);
        off += len;
        stalled = false;
      } catch (SysException e) {
        if (e.is(Errno.EAGAIN)) {
          if (off == 0) {
            if (!waitWritable(stalled ? 0 : FULL_PIPE_WAIT_MILLIS)) {
              stalled = true;
              return false;
            }
          } else {
            if (partialDeadline == 0) {
              partialDeadline = System.nanoTime() + PARTIAL_LINE_DEADLINE_NANOS;
            }
            if (System.nanoTime() > partialDeadline || !waitWritable(FULL_PIPE_WAIT_MILLIS)) {
              endTornLine();
              return false;
            }
          }
        } else {
          // EPIPE (reader gone) or worse: start over with a fresh open later.
          closeFd();
          return false;
        }
      }
    }
    return true;
  }

  /** Ends a half-written line, so the next one starts on its own line (best effort). */
  private void endTornLine() {
    try {
      Fds.writeFully(fd, NEWLINE, 0, 1);
    } catch (SysException ignored) {
      // Still full: the next line will share a line with the torn one.
    }
  }

  private static final byte[] NEWLINE = {'\n'};

  private boolean waitWritable(int millis) {
    try {
      return (Fds.awaitReady(fd, Fds.POLLOUT, millis) & Fds.POLLOUT) != 0;
    } catch (SysException e) {
      return false;
    }
  }

  private boolean tryOpen() {
    long now = System.nanoTime();
    if (now - nextOpenAttempt < 0) {
      return false;
    }
    try {
      fd = Fds.open(fifo, Fds.O_WRONLY | Fds.O_NONBLOCK);
      return true;
    } catch (SysException e) {
      // ENXIO: nobody reads yet. Anything else (ENOENT...) may also heal; try again later.
      nextOpenAttempt = now + REOPEN_INTERVAL_NANOS;
      return false;
    }
  }

  private void closeFd() {
    Fds.closeQuietly(fd);
    fd = -1;
    nextOpenAttempt = System.nanoTime();
  }

  @Override
  public void close() {
    closeFd();
  }
}
