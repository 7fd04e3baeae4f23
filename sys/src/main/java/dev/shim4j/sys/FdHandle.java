package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;
import static dev.shim4j.sys.Native.SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A descriptor shared by a stream and the threads using it.
 *
 * <ul>
 *   <li>Closing while a thread is inside a call only marks it closed; the last user closes the
 *       number. A concurrent close therefore never lets the number be reused under a reader that
 *       still polls it.
 *   <li>Waiting ({@link #await}) polls the descriptor together with a wake-up eventfd that
 *       {@link #close()} signals: a blocked reader or writer returns at once on close, and an idle
 *       one costs no periodic wake-ups. The eventfd is created on the first wait only.
 *   <li>A virtual thread does not wait in poll(2) (that would pin its carrier) but parks on
 *       {@link FdPoller}; close completes its wait.
 * </ul>
 */
final class FdHandle {
  private final int fd;
  private int users;
  private boolean closed;
  private boolean released;
  private int wakeFd = -1;
  private final Set<CompletableFuture<Short>> parked = new HashSet<>();

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
    int wake;
    synchronized (this) {
      users--;
      if (!closed || users != 0 || released) {
        return;
      }
      released = true;
      wake = wakeFd;
    }
    Fds.closeQuietly(fd);
    Fds.closeQuietly(wake);
  }

  void close() {
    int wake;
    boolean closeNow;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeNow = users == 0;
      released |= closeNow;
      wake = wakeFd;
      for (CompletableFuture<Short> f : parked) {
        f.completeExceptionally(new IOException("Stream closed"));
      }
    }
    if (closeNow) {
      Fds.closeQuietly(fd);
      Fds.closeQuietly(wake);
    } else if (wake >= 0) {
      try {
        EventFds.write(wake, 1);
      } catch (SysException e) {
        // cannot happen short of a counter overflow; the waiter still sees closed on its next call
      }
    }
  }

  /**
   * Waits, between {@link #acquire()} and {@link #release()}, until the descriptor is ready for
   * {@code events} or {@code timeoutMillis} (-1 = no limit) passed. Returns the revents (0 on
   * timeout).
   *
   * @throws IOException "Stream closed" when {@link #close()} was called before or during the wait
   */
  short await(short events, int timeoutMillis) throws IOException {
    if (Thread.currentThread().isVirtual()) {
      return awaitParked(events, timeoutMillis);
    }
    int wake;
    synchronized (this) {
      if (closed) {
        throw new IOException("Stream closed");
      }
      if (wakeFd < 0) {
        wakeFd = EventFds.create(0, EventFds.EFD_NONBLOCK);
      }
      wake = wakeFd;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pfds = arena.allocate(16, 4);
      pfds.set(INT, 0, fd);
      pfds.set(SHORT, 4, events);
      pfds.set(INT, 8, wake);
      pfds.set(SHORT, 12, Fds.POLLIN);
      int ready = Fds.poll(pfds, 2, timeoutMillis);
      if (isClosed()) {
        throw new IOException("Stream closed");
      }
      short revents = ready == 0 ? 0 : pfds.get(SHORT, 6);
      if ((revents & Fds.POLLNVAL) != 0) {
        throw new SysException("poll", String.valueOf(fd), Errno.EBADF);
      }
      return revents;
    }
  }

  private short awaitParked(short events, int timeoutMillis) throws IOException {
    CompletableFuture<Short> wake = new CompletableFuture<>();
    synchronized (this) {
      if (closed) {
        throw new IOException("Stream closed");
      }
      parked.add(wake);
    }
    try {
      return FdPoller.get().await(fd, events, timeoutMillis, wake);
    } finally {
      synchronized (this) {
        parked.remove(wake);
      }
    }
  }
}
