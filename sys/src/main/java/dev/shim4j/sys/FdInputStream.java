package dev.shim4j.sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
    try {
      while (true) {
        try (Arena arena = Arena.ofConfined()) {
          MemorySegment buf = awaitAndRead(arena, Math.min(len, MAX_CHUNK));
          if (buf == null) {
            continue;
          }
          int n = (int) buf.byteSize();
          if (n == 0) {
            return -1;
          }
          MemorySegment.copy(buf, Native.BYTE, 0, b, off, n);
          return n;
        }
      }
    } finally {
      handle.release();
    }
  }

  /**
   * Copies everything up to end of file into {@code out}. Between reads it holds no buffer: the
   * native one is allocated once data is there and freed after it is written, so an idle copy (a
   * container's stdio waiting for output, for days) costs no memory beyond its thread. Into an
   * {@link FdOutputStream} the bytes go native to native, without a heap copy.
   */
  @Override
  public long transferTo(OutputStream out) throws IOException {
    java.util.Objects.requireNonNull(out, "out");
    long total = 0;
    while (true) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment buf;
        if (!handle.acquire()) {
          throw new IOException("Stream closed");
        }
        try {
          buf = awaitAndRead(arena, MAX_CHUNK);
        } finally {
          handle.release(); // as between read() calls: a close meanwhile releases the descriptor
        }
        if (buf == null) {
          continue;
        }
        int n = (int) buf.byteSize();
        if (n == 0) {
          return total;
        }
        if (out instanceof FdOutputStream fdOut) {
          fdOut.write(buf);
        } else {
          out.write(buf.toArray(Native.BYTE));
        }
        total += n;
      }
    }
  }

  /**
   * Between acquire and release: waits until readable, then reads up to {@code max} bytes into a
   * buffer of {@code arena} allocated only now. Returns the bytes read (empty at end of file), or
   * null when there was nothing to read after all (a spurious wake-up).
   */
  private MemorySegment awaitAndRead(Arena arena, int max) throws IOException {
    if (handle.await(Fds.POLLIN, -1) == 0) {
      return null;
    }
    MemorySegment buf = arena.allocate(max);
    int n;
    try {
      n = Fds.read(handle.fd(), buf, max);
    } catch (SysException e) {
      if (e.errno() == Errno.EAGAIN) {
        return null; // O_NONBLOCK descriptor and a spurious wakeup
      }
      if (e.errno() == Errno.EIO) {
        return buf.asSlice(0, 0); // a pty master after the slave side closed
      }
      throw e;
    }
    return buf.asSlice(0, Math.max(0, n));
  }

  @Override
  public void close() {
    handle.close();
  }
}
