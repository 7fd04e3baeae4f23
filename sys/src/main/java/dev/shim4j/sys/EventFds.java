package dev.shim4j.sys;

import static dev.shim4j.sys.Native.LONG;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/** eventfd(2) counters, and the cgroup v1 OOM notification that is delivered through one. */
public final class EventFds {
  public static final int EFD_CLOEXEC = 02000000;
  public static final int EFD_NONBLOCK = 04000;
  public static final int EFD_SEMAPHORE = 1;

  private static final Native.Fn EVENTFD = Native.fn("eventfd");

  private EventFds() {}

  /** A new close-on-exec eventfd with the given initial value. */
  public static int create(int initialValue) throws SysException {
    return create(initialValue, 0);
  }

  /** A new eventfd; EFD_CLOEXEC is always added. */
  public static int create(int initialValue, int flags) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int fd = EVENTFD.call(err, initialValue, flags | EFD_CLOEXEC);
      if (fd < 0) {
        throw new SysException("eventfd", Native.errno(err));
      }
      return fd;
    }
  }

  /** Adds {@code value} to the counter. */
  public static void write(int fd, long value) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(LONG);
      buf.set(LONG, 0, value);
      int n = Fds.write(fd, buf, 8);
      if (n != 8) {
        throw new SysException("write", "eventfd " + fd + " (short write)", Errno.EIO);
      }
    }
  }

  /**
   * Reads and resets the counter, waiting at most {@code timeout} for it to become non-zero (poll
   * in slices of the caller's choosing keeps a watcher thread cancellable). A virtual thread parks
   * on the shared descriptor poller instead of blocking its carrier in poll(2), so a watcher per
   * eventfd costs no OS thread.
   */
  public static OptionalLong read(int fd, Duration timeout) throws SysException {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(0, timeout.toMillis()));
    short revents = Thread.currentThread().isVirtual()
        ? awaitParked(fd, millis)
        : Fds.poll(fd, Fds.POLLIN, millis);
    if ((revents & Fds.POLLNVAL) != 0) {
      throw new SysException("poll", String.valueOf(fd), Errno.EBADF);
    }
    if ((revents & Fds.POLLIN) == 0) {
      return OptionalLong.empty();
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(LONG);
      try {
        int n = Fds.read(fd, buf, 8);
        if (n != 8) {
          throw new SysException("read", "eventfd " + fd + " (short read)", Errno.EIO);
        }
      } catch (SysException e) {
        if (e.errno() == Errno.EAGAIN) {
          return OptionalLong.empty(); // another reader took it
        }
        throw e;
      }
      return OptionalLong.of(buf.get(LONG, 0));
    }
  }

  private static short awaitParked(int fd, int millis) throws SysException {
    try {
      return Fds.awaitParked(fd, Fds.POLLIN, millis);
    } catch (InterruptedIOException e) {
      // The interrupt stays set; a watcher loop that went on would only spin on it.
      throw new SysException("epoll_wait", String.valueOf(fd), Errno.EINTR);
    }
  }

  /**
   * Registers for cgroup v1 OOM notifications of the memory cgroup directory {@code cgroupDir}:
   * creates an eventfd, opens {@code memory.oom_control} and writes "EVENTFD OOM_CONTROL_FD" to
   * {@code cgroup.event_control}. The returned eventfd's counter goes up on every OOM in that
   * cgroup, and also once when the cgroup is removed: after each {@link #read}, check that the
   * directory still exists before reporting an OOM. The oom_control descriptor is closed here; the
   * kernel keeps its own reference.
   */
  public static int registerCgroupV1Oom(Path cgroupDir) throws IOException {
    int efd = create(0);
    int control = -1;
    try {
      control = Fds.open(cgroupDir.resolve("memory.oom_control"), Fds.O_RDONLY);
      Files.writeString(cgroupDir.resolve("cgroup.event_control"), efd + " " + control,
          StandardCharsets.US_ASCII);
      return efd;
    } catch (IOException e) {
      Fds.closeQuietly(efd);
      throw e;
    } finally {
      Fds.closeQuietly(control);
    }
  }
}
