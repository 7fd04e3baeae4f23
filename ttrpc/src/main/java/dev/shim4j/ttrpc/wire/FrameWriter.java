package dev.shim4j.ttrpc.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;

/**
 * The single writer of a connection, shared by every thread that sends on it.
 *
 * <p>Senders append frames to a queue; one writer thread drains everything queued into one buffer
 * and writes it, so frames queued meanwhile by many senders leave in one system call. Frames
 * leave in queue order, which lets a client keep stream ids increasing on the wire by queueing
 * under its id lock.
 *
 * <p>Why a thread of its own rather than writing from the sender's thread: a Java socket channel
 * is closed when a thread blocked in it is interrupted, and handlers and callers do get
 * interrupted (deadlines, cancellation). Only the writer thread touches the channel for writing,
 * and nobody interrupts it.
 */
public final class FrameWriter {
  private static final int BUFFER_SIZE = 256 * 1024;
  private static final Frame STOP = new Frame(0, (byte) 0, (byte) 0, null);

  /** Told once when a write fails; the connection is dead from then on. */
  public interface FailureListener {
    void writeFailed(IOException e);
  }

  private final WritableByteChannel channel;
  private final int maxPayload;
  private final FailureListener onFailure;
  private final LinkedBlockingQueue<Frame> queue = new LinkedBlockingQueue<>();
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
  private final Thread thread;
  private volatile IOException failure;
  private volatile boolean stopped;

  public FrameWriter(WritableByteChannel channel, int maxPayload, FailureListener onFailure,
      ThreadFactory threads) {
    this.channel = channel;
    this.maxPayload = maxPayload;
    this.onFailure = onFailure;
    this.thread = threads.newThread(this::run);
    thread.start();
  }

  /** Whether a payload of this size may be sent. */
  public boolean fits(int payloadLength) {
    return payloadLength <= maxPayload;
  }

  public int maxPayload() {
    return maxPayload;
  }

  /**
   * Queues a frame for writing.
   *
   * @throws IOException when the connection has already failed or the writer was stopped
   * @throws IllegalArgumentException when the payload is above the limit (nothing is queued)
   */
  public void send(Frame frame) throws IOException {
    if (!fits(frame.payload().length)) {
      throw new IllegalArgumentException("payload of " + frame.payload().length
          + " bytes exceeds the limit of " + maxPayload + " bytes");
    }
    IOException failed = failure;
    if (failed != null) {
      throw new IOException("connection is broken: " + failed.getMessage(), failed);
    }
    if (stopped) {
      throw new IOException("connection is closed");
    }
    queue.add(frame);
  }

  /** Writes what is queued, then ends the writer thread. */
  public void stop() {
    stopped = true;
    queue.add(STOP);
  }

  /** Waits for the writer thread to end, at most {@code millis}. */
  public void join(long millis) throws InterruptedException {
    thread.join(millis);
  }

  private void run() {
    List<Frame> batch = new ArrayList<>();
    try {
      while (true) {
        Frame first;
        try {
          first = queue.take();
        } catch (InterruptedException e) {
          return;
        }
        batch.add(first);
        queue.drainTo(batch);
        boolean stop = false;
        for (Frame frame : batch) {
          if (frame == STOP) {
            stop = true;
            break;
          }
          put(frame);
        }
        batch.clear();
        writeBuffer();
        if (stop) {
          return;
        }
      }
    } catch (IOException e) {
      failure = e;
      queue.clear();
      onFailure.writeFailed(e);
    }
  }

  private void put(Frame frame) throws IOException {
    byte[] payload = frame.payload();
    if (buffer.remaining() < Frame.HEADER_SIZE + payload.length) {
      writeBuffer();
    }
    buffer.putInt(payload.length).putInt(frame.streamId()).put(frame.type()).put(frame.flags());
    if (payload.length <= buffer.remaining()) {
      buffer.put(payload);
    } else {
      // Bigger than the whole buffer: header from the buffer, payload straight from the array.
      writeBuffer();
      writeFully(ByteBuffer.wrap(payload));
    }
  }

  private void writeBuffer() throws IOException {
    if (buffer.position() == 0) {
      return;
    }
    buffer.flip();
    try {
      writeFully(buffer);
    } finally {
      buffer.clear();
    }
  }

  private void writeFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }
}
