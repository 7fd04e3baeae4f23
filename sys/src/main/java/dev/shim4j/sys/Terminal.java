package dev.shim4j.sys;

import static dev.shim4j.sys.Native.INT;
import static dev.shim4j.sys.Native.LONG;
import static dev.shim4j.sys.Native.PTR;
import static dev.shim4j.sys.Native.SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** Pseudo-terminals: open a pair (tests, local consoles) and get/set a terminal's window size. */
public final class Terminal {
  private static final long TIOCGWINSZ = 0x5413;
  private static final long TIOCSWINSZ = 0x5414;

  // One holder class per downcall: each is linked on first use, not when this class loads
  // (see Native for why).
  private static final class Ioctl {
    static final MethodHandle HANDLE =
        Native.variadicWithErrno("ioctl", Native.fn(INT, INT, LONG, PTR), 2);
  }
  private static final class PosixOpenpt {
    static final MethodHandle HANDLE = Native.withErrno("posix_openpt", Native.fn(INT, INT));
  }
  private static final class Grantpt {
    static final MethodHandle HANDLE = Native.withErrno("grantpt", Native.fn(INT, INT));
  }
  private static final class Unlockpt {
    static final MethodHandle HANDLE = Native.withErrno("unlockpt", Native.fn(INT, INT));
  }
  private static final class PtsnameR {
    static final MethodHandle HANDLE = Native.plain("ptsname_r", Native.fn(INT, INT, PTR, LONG));
  }

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
      int master = (int) PosixOpenpt.HANDLE.invokeExact(err, Fds.O_RDWR | Fds.O_NOCTTY | Fds.O_CLOEXEC);
      if (master < 0) {
        throw new SysException("posix_openpt", Native.errno(err));
      }
      try {
        if ((int) Grantpt.HANDLE.invokeExact(err, master) != 0) {
          throw new SysException("grantpt", Native.errno(err));
        }
        if ((int) Unlockpt.HANDLE.invokeExact(err, master) != 0) {
          throw new SysException("unlockpt", Native.errno(err));
        }
        MemorySegment name = arena.allocate(128);
        int rc = (int) PtsnameR.HANDLE.invokeExact(master, name, 128L);
        if (rc != 0) {
          throw new SysException("ptsname_r", rc);
        }
        return new Pty(master, Path.of(name.getString(0)));
      } catch (Throwable t) {
        Fds.closeQuietly(master);
        throw t;
      }
    } catch (SysException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.unexpected(t);
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
    try {
      if ((int) Ioctl.HANDLE.invokeExact(err, fd, request, arg) != 0) {
        throw new SysException(call, String.valueOf(fd), Native.errno(err));
      }
    } catch (SysException e) {
      throw e;
    } catch (Throwable t) {
      throw Native.unexpected(t);
    }
  }
}
