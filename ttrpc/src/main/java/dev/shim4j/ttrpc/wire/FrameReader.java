package dev.shim4j.ttrpc.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Reads frames from a channel. Memory follows the bytes that actually arrived, never the length
 * a header announces: a peer that announces 4 MiB and sends one byte costs a few KiB.
 *
 * <ul>
 *   <li>Frames are cut out of one reusable read buffer that starts at {@value #BUFFER_MIN} bytes
 *       (an idle connection costs little) and grows, up to {@value #BUFFER_MAX}, only when a read
 *       fills it (a busy connection reads many small frames per system call).
 *   <li>A payload larger than what is buffered is read into its own array, which starts at
 *       {@value #PAYLOAD_FIRST_CHUNK} bytes (or what is buffered) and grows fourfold each time it
 *       fills, up to the announced length: at most four times the bytes received plus a chunk.
 * </ul>
 *
 * <p>{@link #partialSince()} tells a watchdog since when the reader has been waiting for the
 * rest of a started frame (a stalled peer); waiting between frames is not a stall. Not
 * thread-safe apart from that method: a connection has exactly one reader.
 */
public final class FrameReader {
  static final int BUFFER_MIN = 1024;
  static final int BUFFER_MAX = 16 * 1024;
  static final int PAYLOAD_FIRST_CHUNK = 4 * 1024;

  private final ReadableByteChannel channel;
  private final int maxPayload;
  private final Runnable onPartialWait;
  private ByteBuffer buffer;
  /** System.nanoTime() when the reader first waited inside the current frame; 0 = not. */
  private volatile long partialSince;

  public FrameReader(ReadableByteChannel channel, int maxPayload) {
    this(channel, maxPayload, () -> {});
  }

  /**
   * @param onPartialWait run each time the reader starts to wait for the rest of a frame (rare:
   *     peers write frames whole), e.g. to arm a watchdog that reads {@link #partialSince()}
   */
  public FrameReader(ReadableByteChannel channel, int maxPayload, Runnable onPartialWait) {
    this.channel = channel;
    this.maxPayload = maxPayload;
    this.onPartialWait = onPartialWait;
    this.buffer = ByteBuffer.allocate(BUFFER_MIN);
    buffer.flip(); // empty, ready for reading
  }

  /**
   * System.nanoTime() at which the reader began waiting for the rest of a started frame, or 0
   * when it is between frames (or not reading). Safe to call from any thread.
   */
  public long partialSince() {
    return partialSince;
  }

  /** The capacity of the read buffer now (for tests of the memory bound). */
  int bufferCapacity() {
    return buffer.capacity();
  }

  /**
   * The next frame, or null at a clean end of stream (between frames).
   *
   * @throws EOFException when the stream ends inside a frame (a truncated frame)
   * @throws OversizeFrameException when a frame is too big; its payload was discarded and the
   *     reader can go on
   */
  public Frame read() throws IOException {
    try {
      if (!fill(Frame.HEADER_SIZE)) {
        return null;
      }
      long length = Integer.toUnsignedLong(buffer.getInt());
      int streamId = buffer.getInt();
      byte type = buffer.get();
      byte flags = buffer.get();
      if (length > maxPayload) {
        skip(length);
        throw new OversizeFrameException(streamId, type, length, maxPayload);
      }
      return new Frame(streamId, type, flags, payload((int) length));
    } finally {
      if (partialSince != 0) {
        partialSince = 0;
      }
    }
  }

  private byte[] payload(int length) throws IOException {
    int buffered = buffer.remaining();
    if (buffered >= length) {
      byte[] payload = new byte[length];
      buffer.get(payload);
      return payload;
    }
    byte[] payload = new byte[Math.min(length, Math.max(buffered, PAYLOAD_FIRST_CHUNK))];
    buffer.get(payload, 0, buffered);
    int got = buffered;
    while (got < length) {
      if (got == payload.length) {
        payload = Arrays.copyOf(payload, (int) Math.min(length, 4L * payload.length));
      }
      waitingInFrame();
      int n = channel.read(ByteBuffer.wrap(payload, got, payload.length - got));
      if (n < 0) {
        throw truncated(length, got);
      }
      got += n;
    }
    return payload;
  }

  /** Makes at least {@code n} bytes available; false at a clean end between frames. */
  private boolean fill(int n) throws IOException {
    if (buffer.remaining() >= n) {
      return true;
    }
    buffer.compact();
    try {
      while (buffer.position() < n) {
        if (buffer.position() > 0) {
          waitingInFrame();
        }
        int read = channel.read(buffer);
        if (read < 0) {
          if (buffer.position() == 0) {
            return false;
          }
          throw new EOFException("connection closed inside a frame header ("
              + buffer.position() + " of " + n + " bytes)");
        }
        if (!buffer.hasRemaining() && buffer.capacity() < BUFFER_MAX) {
          // The read filled the buffer: more is probably waiting. Grow for the next reads.
          buffer = ByteBuffer.allocate(Math.min(BUFFER_MAX, buffer.capacity() * 4))
              .put(buffer.flip());
        }
      }
    } finally {
      buffer.flip();
    }
    return true;
  }

  private void waitingInFrame() {
    if (partialSince == 0) {
      long now = System.nanoTime();
      partialSince = now == 0 ? 1 : now;
      onPartialWait.run();
    }
  }

  private void skip(long length) throws IOException {
    long left = length;
    while (left > 0) {
      if (!buffer.hasRemaining()) {
        buffer.clear();
        waitingInFrame();
        int n = channel.read(buffer);
        buffer.flip();
        if (n < 0) {
          throw truncated(length, length - left);
        }
      }
      int step = (int) Math.min(left, buffer.remaining());
      buffer.position(buffer.position() + step);
      left -= step;
    }
  }

  private static EOFException truncated(long expected, long got) {
    return new EOFException("connection closed inside a frame payload (" + got + " of " + expected
        + " bytes)");
  }
}
