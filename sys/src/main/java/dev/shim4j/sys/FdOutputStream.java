package dev.shim4j.sys;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An OutputStream over a raw descriptor it owns (closing the stream closes the descriptor).
 * Writes wait for room in poll(2) so that a concurrent {@link #close()} ends them at once; a write to a
 * pipe nobody reads fails with EPIPE (the JVM does not die of SIGPIPE). Same threading note as
 * {@link FdInputStream}: virtual threads are fine.
 */
public final class FdOutputStream extends OutputStream {
  private static final int MAX_CHUNK = 64 * 1024;
  /**
   * Per write(2) on a virtual thread: after POLLOUT a pipe has room for at least one page, so a
   * write of at most PIPE_BUF bytes does not block (and does not pin the carrier).
   */
  private static final int VIRTUAL_WRITE = 4096;

  private final FdHandle handle;

  public FdOutputStream(int fd) {
    this.handle = new FdHandle(fd);
  }

  public int fd() {
    return handle.fd();
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return;
    }
    if (!handle.acquire()) {
      throw new IOException("Stream closed");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(Math.min(len, MAX_CHUNK));
      int done = 0;
      while (done < len) {
        int chunk = Math.min(len - done, MAX_CHUNK);
        MemorySegment.copy(b, off + done, buf, Native.BYTE, 0, chunk);
        writeAcquired(buf.asSlice(0, chunk));
        done += chunk;
      }
    } finally {
      handle.release();
    }
  }

  /** Writes all of a native buffer (no heap copy: {@link FdInputStream#transferTo} uses it). */
  void write(MemorySegment data) throws IOException {
    if (!handle.acquire()) {
      throw new IOException("Stream closed");
    }
    try {
      writeAcquired(data);
    } finally {
      handle.release();
    }
  }

  private void writeAcquired(MemorySegment data) throws IOException {
    int perCall = Thread.currentThread().isVirtual() ? VIRTUAL_WRITE : MAX_CHUNK;
    long len = data.byteSize();
    long sent = 0;
    while (sent < len) {
      if (handle.await(Fds.POLLOUT, -1) == 0) {
        continue;
      }
      try {
        sent += Fds.write(handle.fd(), data.asSlice(sent), (int) Math.min(len - sent, perCall));
      } catch (SysException e) {
        if (e.errno() != Errno.EAGAIN) {
          throw e;
        }
      }
    }
  }

  @Override
  public void close() {
    handle.close();
  }
}
