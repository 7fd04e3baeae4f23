package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Readiness waits for virtual threads. A virtual thread that called poll(2) would pin its
 * carrier for as long as the descriptor stays idle; instead it registers a one-shot epoll interest
 * here and parks on a future, and one platform thread blocked in epoll_wait completes the futures.
 *
 * <p>Each wait registers its own close-on-exec duplicate of the descriptor, so that several
 * threads may wait on one descriptor (a pty master read and written at once) and a concurrent
 * close of the original cannot leave a stale registration behind.
 */
final class FdPoller {
  private static final int EPOLL_CLOEXEC = 02000000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLLONESHOT = 1 << 30;
  private static final int EVENT_SIZE = 12; // struct epoll_event is packed on x86_64
  private static final int MAX_EVENTS = 64;

  private static final Native.Fn EPOLL_CREATE1 = Native.fn("epoll_create1");
  private static final Native.Fn EPOLL_CTL = Native.fn("epoll_ctl");
  private static final Native.Fn EPOLL_WAIT = Native.fn("epoll_wait");

  private static final class Holder {
    static final FdPoller INSTANCE = new FdPoller();
  }

  private final int epfd;
  private final AtomicLong tokens = new AtomicLong();
  private final Map<Long, CompletableFuture<Short>> pending = new ConcurrentHashMap<>();

  private FdPoller() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int fd = EPOLL_CREATE1.call(err, EPOLL_CLOEXEC);
      if (fd < 0) {
        throw new IllegalStateException(new SysException("epoll_create1", Native.errno(err)));
      }
      this.epfd = fd;
    }
    Thread.ofPlatform().daemon().name("shim4j-fd-poller").start(this::pollForever);
  }

  static FdPoller get() {
    return Holder.INSTANCE;
  }

  /**
   * Parks until {@code fd} is ready for {@code events}, {@code wake} completes (exceptionally:
   * the stream was closed), or {@code timeoutMillis} (-1 = none) passes. Returns the revents, 0 on
   * timeout.
   */
  short await(int fd, short events, int timeoutMillis, CompletableFuture<Short> wake)
      throws IOException {
    int dup = Fds.dupCloexec(fd, 0);
    long token = tokens.incrementAndGet();
    pending.put(token, wake);
    try {
      try {
        control(EPOLL_CTL_ADD, dup, (events & 0xffff) | EPOLLONESHOT, token);
      } catch (SysException e) {
        if (e.errno() == Errno.EPERM) {
          return events; // a regular file or directory: always ready, reads never wait
        }
        throw e;
      }
      try {
        return timeoutMillis < 0 ? wake.get() : wake.get(timeoutMillis, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        return 0;
      } catch (ExecutionException e) {
        throw new IOException("Stream closed");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for descriptor " + fd);
      }
    } finally {
      pending.remove(token);
      try {
        control(EPOLL_CTL_DEL, dup, 0, 0);
      } catch (SysException ignored) {
        // never added (EPERM) or already gone
      }
      Fds.closeQuietly(dup);
    }
  }

  private void control(int op, int fd, int events, long token) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment event = arena.allocate(EVENT_SIZE, 4);
      event.set(INT, 0, events);
      event.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, token);
      if (EPOLL_CTL.call(err, epfd, op, fd, Native.ptr(event)) != 0) {
        throw new SysException("epoll_ctl", String.valueOf(fd), Native.errno(err));
      }
    }
  }

  private void pollForever() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment events = arena.allocate((long) EVENT_SIZE * MAX_EVENTS, 8);
      while (true) {
        int n = EPOLL_WAIT.call(err, epfd, Native.ptr(events), MAX_EVENTS, -1);
        for (int i = 0; i < n; i++) {
          long base = (long) i * EVENT_SIZE;
          short revents = (short) events.get(INT, base);
          long token = events.get(ValueLayout.JAVA_LONG_UNALIGNED, base + 4);
          CompletableFuture<Short> waiter = pending.get(token);
          if (waiter != null) {
            waiter.complete(revents);
          }
        }
        if (n < 0 && Native.errno(err) != Errno.EINTR) {
          Thread.sleep(10); // cannot happen with a valid epfd; do not spin if it does
        }
      }
    } catch (Throwable t) {
      System.getLogger(FdPoller.class.getName())
          .log(System.Logger.Level.ERROR, "descriptor poller stopped", t);
    }
  }
}
