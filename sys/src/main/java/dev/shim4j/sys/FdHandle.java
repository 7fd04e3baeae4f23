package dev.shim4j.sys;

/**
 * A descriptor shared by a stream and the threads using it. Closing while a thread is inside a
 * call only marks it closed; the last user closes the number. That way a concurrent close never
 * lets the number be reused under a reader that still polls it.
 */
final class FdHandle {
  private final int fd;
  private int users;
  private boolean closed;
  private boolean released;

  FdHandle(int fd) {
    if (fd < 0) {
      throw new IllegalArgumentException("bad descriptor " + fd);
    }
    this.fd = fd;
  }

  int fd() {
    return fd;
  }

  synchronized boolean isClosed() {
    return closed;
  }

  /** Starts a use; false when already closed. */
  synchronized boolean acquire() {
    if (closed) {
      return false;
    }
    users++;
    return true;
  }

  void release() {
    boolean closeNow;
    synchronized (this) {
      users--;
      closeNow = closed && users == 0 && !released;
      released |= closeNow;
    }
    if (closeNow) {
      Fds.closeQuietly(fd);
    }
  }

  void close() {
    boolean closeNow;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeNow = users == 0;
      released |= closeNow;
    }
    if (closeNow) {
      Fds.closeQuietly(fd);
    }
  }
}
