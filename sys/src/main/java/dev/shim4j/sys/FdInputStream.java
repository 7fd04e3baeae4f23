package dev.shim4j.sys;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An InputStream over a raw descriptor it owns (closing the stream closes the descriptor).
 *
 * <p>Reads wait in poll(2) in short slices so that {@link #close()} from another thread ends a
 * blocked read within about {@value #SLICE_MILLIS} ms (it then throws IOException). Each slice
 * runs in native code, so a virtual thread reading here pins its carrier: copy stdio on platform
 * threads.
 */
public final class FdInputStream extends InputStream {
  static final int SLICE_MILLIS = 100;
  private static final int MAX_CHUNK = 64 * 1024;

  private final FdHandle handle;

  public FdInputStream(int fd) {
    this.handle = new FdHandle(fd);
  }

  public int fd() {
    return handle.fd();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!handle.acquire()) {
      throw new IOException("Stream closed");
    }
    try (Arena arena = Arena.ofConfined()) {
      int chunk = Math.min(len, MAX_CHUNK);
      MemorySegment buf = arena.allocate(chunk);
      while (true) {
        if (handle.isClosed()) {
          throw new IOException("Stream closed");
        }
        short revents = Fds.poll(handle.fd(), Fds.POLLIN, SLICE_MILLIS);
        if (revents == 0) {
          continue;
        }
        if ((revents & Fds.POLLNVAL) != 0) {
          throw new SysException("poll", String.valueOf(handle.fd()), Errno.EBADF);
        }
        int n;
        try {
          n = Fds.read(handle.fd(), buf, chunk);
        } catch (SysException e) {
          if (e.errno() == Errno.EAGAIN) {
            continue; // O_NONBLOCK descriptor and a spurious wakeup
          }
          if (e.errno() == Errno.EIO) {
            return -1; // a pty master after the slave side closed
          }
          throw e;
        }
        if (n > 0) {
          MemorySegment.copy(buf, Native.BYTE, 0, b, off, n);
        }
        return n;
      }
    } finally {
      handle.release();
    }
  }

  @Override
  public void close() {
    handle.close();
  }
}
