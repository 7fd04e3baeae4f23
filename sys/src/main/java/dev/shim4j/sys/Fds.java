package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;
import static dev.shim4j.sys.Native.SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Raw file descriptors: pipes, dup, close, fcntl flags, open, read/write, poll, mkfifo.
 *
 * <p>Blocking calls (read, write, poll with a timeout) hold the calling thread in native code; a
 * virtual thread pins its carrier meanwhile. Copy stdio on platform threads, or use {@link #poll}
 * with short timeouts.
 */
public final class Fds {
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_NOCTTY = 0400;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_NOFOLLOW = 0400000;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_PATH = 010000000;

  public static final short POLLIN = 0x1;
  public static final short POLLPRI = 0x2;
  public static final short POLLOUT = 0x4;
  public static final short POLLERR = 0x8;
  public static final short POLLHUP = 0x10;
  public static final short POLLNVAL = 0x20;

  private static final int F_GETFD = 1;
  private static final int F_SETFD = 2;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int F_DUPFD_CLOEXEC = 1030;
  private static final int FD_CLOEXEC = 1;

  private static final Native.Fn PIPE2 = Native.fn("pipe2");
  private static final Native.Fn DUP = Native.fn("dup");
  private static final Native.Fn DUP2 = Native.fn("dup2");
  private static final Native.Fn DUP3 = Native.fn("dup3");
  private static final Native.Fn CLOSE = Native.fn("close");
  private static final Native.Fn FCNTL = Native.fn("fcntl"); // variadic: see Native
  private static final Native.Fn OPEN = Native.fn("open"); // variadic: see Native
  private static final Native.Fn READ = Native.fn("read");
  private static final Native.Fn WRITE = Native.fn("write");
  private static final Native.Fn POLL = Native.fn("poll");
  private static final Native.Fn MKFIFO = Native.fn("mkfifo");

  private Fds() {}

  /** Both ends of a pipe; both close-on-exec. */
  public record Pipe(int readFd, int writeFd) implements AutoCloseable {
    /** Closes whichever ends are still open, ignoring errors. */
    @Override
    public void close() {
      closeQuietly(readFd);
      closeQuietly(writeFd);
    }
  }

  /** pipe2(O_CLOEXEC). */
  public static Pipe pipe() throws SysException {
    return pipe(O_CLOEXEC);
  }

  /** pipe2 with flags (O_CLOEXEC, O_NONBLOCK). */
  public static Pipe pipe(int flags) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment fds = arena.allocate(INT, 2);
      if (PIPE2.call(err, Native.ptr(fds), flags) != 0) {
        throw new SysException("pipe2", Native.errno(err));
      }
      return new Pipe(fds.getAtIndex(INT, 0), fds.getAtIndex(INT, 1));
    }
  }

  /** dup(2): the lowest free descriptor, NOT close-on-exec. */
  public static int dup(int fd) throws SysException {
    return intCall("dup", DUP, fd);
  }

  /** A close-on-exec duplicate of {@code fd} numbered at least {@code min}. */
  public static int dupCloexec(int fd, int min) throws SysException {
    return fcntl("fcntl(F_DUPFD_CLOEXEC)", fd, F_DUPFD_CLOEXEC, min);
  }

  /** dup2(2): {@code newFd} becomes a copy of {@code fd}, without close-on-exec. */
  public static int dup2(int fd, int newFd) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int r = DUP2.call(err, fd, newFd);
      if (r < 0) {
        throw new SysException("dup2", fd + " " + newFd, Native.errno(err));
      }
      return r;
    }
  }

  /** dup3(2): like dup2 with flags (O_CLOEXEC); {@code fd == newFd} is EINVAL. */
  public static int dup3(int fd, int newFd, int flags) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int r = DUP3.call(err, fd, newFd, flags);
      if (r < 0) {
        throw new SysException("dup3", fd + " " + newFd, Native.errno(err));
      }
      return r;
    }
  }

  /** close(2). EINTR is not retried: on Linux the descriptor is gone anyway. */
  public static void close(int fd) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      if (CLOSE.call(err, fd) != 0) {
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException("close", String.valueOf(fd), errno);
        }
      }
    }
  }

  /** close(2) for cleanup paths; negative descriptors are skipped. */
  public static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      close(fd);
    } catch (SysException ignored) {
      // cleanup path: the descriptor is unusable either way
    }
  }

  public static boolean isCloexec(int fd) throws SysException {
    return (fcntl("fcntl(F_GETFD)", fd, F_GETFD, 0) & FD_CLOEXEC) != 0;
  }

  public static void setCloexec(int fd, boolean on) throws SysException {
    int flags = fcntl("fcntl(F_GETFD)", fd, F_GETFD, 0);
    fcntl("fcntl(F_SETFD)", fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
  }

  /** The file status flags (O_ACCMODE bits, O_NONBLOCK, O_APPEND...). */
  public static int statusFlags(int fd) throws SysException {
    return fcntl("fcntl(F_GETFL)", fd, F_GETFL, 0);
  }

  public static boolean isNonBlocking(int fd) throws SysException {
    return (statusFlags(fd) & O_NONBLOCK) != 0;
  }

  /** Sets O_NONBLOCK on the open file description (shared by every dup of it). */
  public static void setNonBlocking(int fd, boolean on) throws SysException {
    int flags = statusFlags(fd);
    fcntl("fcntl(F_SETFL)", fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
  }

  /** True when {@code fd} is an open descriptor of this process. */
  public static boolean isOpen(int fd) {
    try {
      fcntl("fcntl(F_GETFD)", fd, F_GETFD, 0);
      return true;
    } catch (SysException e) {
      return false;
    }
  }

  private static int fcntl(String call, int fd, int cmd, int arg) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int r = FCNTL.call(err, fd, cmd, arg);
      if (r < 0) {
        throw new SysException(call, String.valueOf(fd), Native.errno(err));
      }
      return r;
    }
  }

  /** open(2) with O_CLOEXEC added; {@code mode} applies with O_CREAT. Retries EINTR. */
  public static int open(Path path, int flags, int mode) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      MemorySegment cpath = arena.allocateFrom(path.toString());
      while (true) {
        int fd = OPEN.call(err, Native.ptr(cpath), flags | O_CLOEXEC, mode);
        if (fd >= 0) {
          return fd;
        }
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException("open", path.toString(), errno);
        }
      }
    }
  }

  public static int open(Path path, int flags) throws SysException {
    return open(path, flags, 0);
  }

  /**
   * Opens a FIFO without blocking on a missing peer: O_RDWR never waits for the other end (Linux
   * semantics) and keeps the FIFO from reporting EOF/EPIPE while the real peer comes and goes. The
   * returned descriptor is blocking and close-on-exec.
   */
  public static int openFifoReadWrite(Path fifo) throws SysException {
    return open(fifo, O_RDWR);
  }

  /**
   * Opens one side of a FIFO with O_NONBLOCK (a read side succeeds at once; a write side fails with
   * ENXIO while nobody reads), then clears O_NONBLOCK so later reads and writes block normally.
   */
  public static int openFifoNonBlocking(Path fifo, int accessMode) throws SysException {
    int fd = open(fifo, accessMode | O_NONBLOCK);
    try {
      setNonBlocking(fd, false);
      return fd;
    } catch (SysException e) {
      closeQuietly(fd);
      throw e;
    }
  }

  /**
   * Opens one side of a FIFO, waiting at most {@code timeout} for the other side where open(2)
   * would block: a write side (O_WRONLY) is retried while nobody has the FIFO open for reading.
   * A read side (O_RDONLY) opens at once; note that it reads end-of-file while no writer has the
   * FIFO open (open O_RDWR to keep it from ever seeing EOF). The result is blocking and
   * close-on-exec.
   *
   * @throws SysException ETIMEDOUT when no reader appeared in time
   */
  public static int openFifo(Path fifo, int accessMode, java.time.Duration timeout)
      throws SysException, java.io.InterruptedIOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pauseMillis = 1;
    while (true) {
      try {
        return openFifoNonBlocking(fifo, accessMode);
      } catch (SysException e) {
        if (e.errno() != Errno.ENXIO) {
          throw e;
        }
        if (System.nanoTime() - deadline >= 0) {
          throw new SysException("open", fifo + " (no reader within " + timeout + ")", Errno.ETIMEDOUT);
        }
      }
      try {
        Thread.sleep(pauseMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted opening " + fifo);
      }
      pauseMillis = Math.min(50, pauseMillis * 2);
    }
  }

  /** mkfifo(3). */
  public static void mkfifo(Path path, int mode) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      if (MKFIFO.call(err, Native.ptr(arena.allocateFrom(path.toString())), mode) != 0) {
        throw new SysException("mkfifo", path.toString(), Native.errno(err));
      }
    }
  }

  /** read(2) into {@code buf[off, off+len)}; -1 at end of file. Retries EINTR. */
  public static int read(int fd, byte[] buf, int off, int len) throws SysException {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment native_ = arena.allocate(Math.max(1, len));
      int n = read(fd, native_, len);
      if (n > 0) {
        MemorySegment.copy(native_, Native.BYTE, 0, buf, off, n);
      }
      return n;
    }
  }

  /** read(2) into a native buffer; -1 at end of file, 0 only when {@code len} is 0. */
  static int read(int fd, MemorySegment buf, int len) throws SysException {
    if (len == 0) {
      return 0;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      while (true) {
        long n = READ.callLong(err, fd, Native.ptr(buf), len);
        if (n > 0) {
          return (int) n;
        }
        if (n == 0) {
          return -1;
        }
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException("read", String.valueOf(fd), errno);
        }
      }
    }
  }

  /** write(2) of all of {@code buf[off, off+len)} (loops on short writes and EINTR). */
  public static void writeFully(int fd, byte[] buf, int off, int len) throws SysException {
    java.util.Objects.checkFromIndexSize(off, len, buf.length);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment native_ = arena.allocate(Math.max(1, len));
      MemorySegment.copy(buf, off, native_, Native.BYTE, 0, len);
      int done = 0;
      while (done < len) {
        done += write(fd, native_.asSlice(done), len - done);
      }
    }
  }

  /** One write(2) call; returns the bytes written (retries EINTR). */
  static int write(int fd, MemorySegment buf, int len) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      while (true) {
        long n = WRITE.callLong(err, fd, Native.ptr(buf), len);
        if (n >= 0) {
          return (int) n;
        }
        int errno = Native.errno(err);
        if (errno != Errno.EINTR) {
          throw new SysException("write", String.valueOf(fd), errno);
        }
      }
    }
  }

  /**
   * poll(2) on one descriptor; returns the revents (0 on timeout). {@code timeoutMillis} -1 waits
   * forever. EINTR returns 0 so callers re-check their own state.
   */
  public static short poll(int fd, short events, int timeoutMillis) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pfd = arena.allocate(8, 4);
      pfd.set(INT, 0, fd);
      pfd.set(SHORT, 4, events);
      return poll(pfd, 1, timeoutMillis) == 0 ? 0 : pfd.get(SHORT, 6);
    }
  }

  /**
   * Like {@link #poll(int, short, int)}, but a virtual thread parks on the shared descriptor
   * poller instead of blocking its carrier in poll(2). EINTR or an interrupt of the parked thread
   * returns 0 (the interrupt stays set).
   */
  public static short awaitReady(int fd, short events, int timeoutMillis) throws SysException {
    if (!Thread.currentThread().isVirtual()) {
      return poll(fd, events, timeoutMillis);
    }
    try {
      return awaitParked(fd, events, timeoutMillis);
    } catch (java.io.InterruptedIOException e) {
      return 0;
    }
  }

  /**
   * Parks this (virtual) thread on the shared descriptor poller until {@code fd} is ready for
   * {@code events} or {@code timeoutMillis} have passed (0 then). An interrupt of the parked thread
   * is an InterruptedIOException, the interrupt staying set; callers choose what it means.
   */
  static short awaitParked(int fd, short events, int timeoutMillis)
      throws SysException, java.io.InterruptedIOException {
    try {
      return FdPoller.get().await(fd, events, timeoutMillis, new java.util.concurrent.CompletableFuture<>());
    } catch (SysException | java.io.InterruptedIOException e) {
      throw e;
    } catch (java.io.IOException e) {
      // Only a completed wake future raises this, and nobody else holds ours.
      throw new SysException("epoll_wait", String.valueOf(fd), Errno.EIO);
    }
  }

  /** poll(2) over {@code count} struct pollfd in {@code pfds}; 0 on timeout or EINTR. */
  static int poll(MemorySegment pfds, int count, int timeoutMillis) throws SysException {
    for (int i = 0; i < count; i++) {
      pfds.set(SHORT, 8L * i + 6, (short) 0);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int r = POLL.call(err, Native.ptr(pfds), count, timeoutMillis);
      if (r < 0) {
        int errno = Native.errno(err);
        if (errno == Errno.EINTR) {
          return 0;
        }
        throw new SysException("poll", errno);
      }
      return r;
    }
  }

  private static int intCall(String call, Native.Fn fn, int fd) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int r = fn.call(err, fd);
      if (r < 0) {
        throw new SysException(call, String.valueOf(fd), Native.errno(err));
      }
      return r;
    }
  }
}
