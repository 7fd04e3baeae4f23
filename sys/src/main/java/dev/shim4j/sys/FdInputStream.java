package dev.shim4j.sys;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An InputStream over a raw descriptor it owns (closing the stream closes the descriptor).
 *
 * <p>Reads first wait for readiness, then read(2) what is there, so {@link #close()} from another
 * thread ends a blocked read at once (it then throws IOException "Stream closed"). A platform
 * thread waits in poll(2) together with a wake-up eventfd; a virtual thread parks on a shared
 * epoll thread instead, so it does NOT pin its carrier: copying stdio on virtual threads is fine
 * for pipes, FIFOs, sockets and ptys.
 */
public final class FdInputStream extends InputStream {
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
        if (handle.await(Fds.POLLIN, -1) == 0) {
          continue;
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
