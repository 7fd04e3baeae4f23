package dev.shim4j.ttrpc.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads frames from a channel through one reusable buffer. Small frames are cut out of the
 * buffer; a payload larger than what is buffered is read straight into its own array, so big
 * messages are copied once. Not thread-safe: a connection has exactly one reader.
 */
public final class FrameReader {
  /**
   * Holds many small frames; larger payloads bypass it. Each connection keeps its own (on the
   * heap, so resident): a node-wide shim has one connection per container.
   */
  private static final int BUFFER_SIZE = 16 * 1024;

  private final ReadableByteChannel channel;
  private final int maxPayload;
  private final ByteBuffer buffer;

  public FrameReader(ReadableByteChannel channel, int maxPayload) {
    this.channel = channel;
    this.maxPayload = maxPayload;
    this.buffer = ByteBuffer.allocate(BUFFER_SIZE);
    buffer.flip(); // empty, ready for reading
  }

  /**
   * The next frame, or null at a clean end of stream (between frames).
   *
   * @throws EOFException when the stream ends inside a frame (a truncated frame)
   * @throws OversizeFrameException when a frame is too big; its payload was discarded and the
   *     reader can go on
   */
  public Frame read() throws IOException {
    if (!fill(Frame.HEADER_SIZE, true)) {
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
    byte[] payload = new byte[(int) length];
    int buffered = Math.min(buffer.remaining(), payload.length);
    buffer.get(payload, 0, buffered);
    if (buffered < payload.length) {
      ByteBuffer rest = ByteBuffer.wrap(payload, buffered, payload.length - buffered);
      while (rest.hasRemaining()) {
        if (channel.read(rest) < 0) {
          throw truncated(payload.length, rest.position());
        }
      }
    }
    return new Frame(streamId, type, flags, payload);
  }

  /** Makes at least {@code n} bytes available; false at a clean end when {@code atBoundary}. */
  private boolean fill(int n, boolean atBoundary) throws IOException {
    if (buffer.remaining() >= n) {
      return true;
    }
    buffer.compact();
    try {
      while (buffer.position() < n) {
        if (channel.read(buffer) < 0) {
          if (atBoundary && buffer.position() == 0) {
            return false;
          }
          throw new EOFException("connection closed inside a frame header ("
              + buffer.position() + " of " + n + " bytes)");
        }
      }
    } finally {
      buffer.flip();
    }
    return true;
  }

  private void skip(long length) throws IOException {
    long left = length;
    while (left > 0) {
      if (!buffer.hasRemaining()) {
        buffer.clear();
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
