package dev.shim4j.ttrpc.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FrameWriter} without a thread: senders queue, and whichever sender gets the lock
 * drains the queue into one buffer and writes it, so frames queued meanwhile by others leave in
 * the same system call. After letting go of the lock a drainer looks at the queue again, so a
 * frame queued while the lock was held is never stranded.
 */
final class CombiningFrameWriter implements FrameWriter {
  /**
   * Small: every connection keeps one, and a direct buffer is zeroed (made resident) when
   * allocated. A node-wide shim holds a connection per container: 256 KB each was ~2.5 MB for 10.
   * Frames bigger than the buffer are written straight from their arrays.
   */
  private static final int BUFFER_SIZE = 16 * 1024;

  private final WritableByteChannel channel;
  private final int maxPayload;
  private final FailureListener onFailure;
  private final Queue<Frame> queue = new ConcurrentLinkedQueue<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
  private volatile IOException failure;
  private volatile boolean stopped;

  CombiningFrameWriter(WritableByteChannel channel, int maxPayload, FailureListener onFailure) {
    this.channel = channel;
    this.maxPayload = maxPayload;
    this.onFailure = onFailure;
  }

  @Override
  public int maxPayload() {
    return maxPayload;
  }

  @Override
  public void enqueue(Frame frame) throws IOException {
    FrameAdmission.check(this, frame, failure, stopped);
    queue.add(frame);
  }

  @Override
  public void send(Frame frame) throws IOException {
    enqueue(frame);
    while (!queue.isEmpty() && lock.tryLock()) {
      try {
        drain();
      } finally {
        lock.unlock();
      }
    }
  }

  @Override
  public void stop(long millis) throws InterruptedException {
    if (lock.tryLock(millis, TimeUnit.MILLISECONDS)) {
      try {
        drain();
        stopped = true;
      } finally {
        lock.unlock();
      }
    }
    stopped = true;
  }

  private void drain() {
    if (failure != null || stopped) {
      queue.clear();
      return;
    }
    try {
      Frame frame;
      while ((frame = queue.poll()) != null) {
        byte[] payload = frame.payload();
        if (buffer.remaining() < Frame.HEADER_SIZE + payload.length) {
          writeBuffer();
        }
        buffer.putInt(payload.length).putInt(frame.streamId()).put(frame.type())
            .put(frame.flags());
        if (payload.length <= buffer.remaining()) {
          buffer.put(payload);
        } else {
          // Bigger than the whole buffer: header from the buffer, payload from the array.
          writeBuffer();
          writeFully(ByteBuffer.wrap(payload));
        }
      }
      writeBuffer();
    } catch (IOException e) {
      failure = e;
      buffer.clear();
      queue.clear();
      onFailure.writeFailed(e);
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
