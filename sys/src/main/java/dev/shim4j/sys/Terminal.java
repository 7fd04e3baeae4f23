package dev.shim4j.sys;

import static dev.shim4j.sys.Native.SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** Pseudo-terminals: open a pair (tests, local consoles) and get/set a terminal's window size. */
public final class Terminal {
  private static final long TIOCGWINSZ = 0x5413;
  private static final long TIOCSWINSZ = 0x5414;

  private static final Native.Fn IOCTL = Native.fn("ioctl"); // variadic: see Native
  private static final Native.Fn POSIX_OPENPT = Native.fn("posix_openpt");
  private static final Native.Fn GRANTPT = Native.fn("grantpt");
  private static final Native.Fn UNLOCKPT = Native.fn("unlockpt");
  private static final Native.Fn PTSNAME_R = Native.fn("ptsname_r"); // returns the error number

  private Terminal() {}

  /** Rows and columns of a terminal (pixels are left 0). */
  public record WindowSize(int rows, int cols) {
    public WindowSize {
      if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff) {
        throw new IllegalArgumentException("window size out of range: " + rows + "x" + cols);
      }
    }
  }

  /** A master descriptor (close-on-exec) and the path of its slave device. */
  public record Pty(int master, Path slave) implements AutoCloseable {
    @Override
    public void close() {
      Fds.closeQuietly(master);
    }
  }

  /** posix_openpt + grantpt + unlockpt + ptsname_r. */
  public static Pty openPty() throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Native.errnoBuffer(arena);
      int master = POSIX_OPENPT.call(err, Fds.O_RDWR | Fds.O_NOCTTY | Fds.O_CLOEXEC);
      if (master < 0) {
        throw new SysException("posix_openpt", Native.errno(err));
      }
      try {
        if (GRANTPT.call(err, master) != 0) {
          throw new SysException("grantpt", Native.errno(err));
        }
        if (UNLOCKPT.call(err, master) != 0) {
          throw new SysException("unlockpt", Native.errno(err));
        }
        MemorySegment name = arena.allocate(128);
        int rc = PTSNAME_R.call(Native.NO_ERRNO, master, Native.ptr(name), name.byteSize());
        if (rc != 0) {
          throw new SysException("ptsname_r", rc);
        }
        return new Pty(master, Path.of(name.getString(0)));
      } catch (SysException | RuntimeException | Error e) {
        Fds.closeQuietly(master);
        throw e;
      }
    }
  }

  /** ioctl(TIOCSWINSZ): resizes the terminal; the foreground group gets SIGWINCH. */
  public static void setWindowSize(int fd, WindowSize size) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ws = arena.allocate(8, 2);
      ws.set(SHORT, 0, (short) size.rows());
      ws.set(SHORT, 2, (short) size.cols());
      ioctl("ioctl(TIOCSWINSZ)", fd, TIOCSWINSZ, ws, arena);
    }
  }

  /** ioctl(TIOCGWINSZ). */
  public static WindowSize windowSize(int fd) throws SysException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ws = arena.allocate(8, 2);
      ioctl("ioctl(TIOCGWINSZ)", fd, TIOCGWINSZ, ws, arena);
      return new WindowSize(Short.toUnsignedInt(ws.get(SHORT, 0)), Short.toUnsignedInt(ws.get(SHORT, 2)));
    }
  }

  private static void ioctl(String call, int fd, long request, MemorySegment arg, Arena arena)
      throws SysException {
    MemorySegment err = Native.errnoBuffer(arena);
    if (IOCTL.call(err, fd, request, Native.ptr(arg)) != 0) {
      throw new SysException(call, String.valueOf(fd), Native.errno(err));
    }
  }
}
