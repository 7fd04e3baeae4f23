package dev.shim4j.ttrpc.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FrameWriter} without a thread: senders queue, and whichever sender gets the lock
 * drains the queue into one buffer and writes it, so frames queued meanwhile by others leave in
 * the same system call. After letting go of the lock a drainer looks at the queue again, so a
 * frame queued while the lock was held is never stranded.
 *
 * <p>The drainer borrows its buffer from {@link WriteBuffers} for the length of the drain: an
 * idle connection holds no write buffer. Frames bigger than the buffer are written straight from
 * their arrays.
 *
 * <p>It counts what is queued and not yet taken for writing ({@link #queuedFrames},
 * {@link #queuedBytes}) in one atomic word, so a reader can stop taking work while a slow peer
 * leaves answers piling up; {@code onDrained} runs after each drain so such a reader can resume.
 */
final class CombiningFrameWriter implements FrameWriter {
  /** {@link #queued} holds frames in its high bits and bytes in its low {@value} bits. */
  private static final int BYTE_BITS = 40;
  private static final long ONE_FRAME = 1L << BYTE_BITS;
  private static final long BYTE_MASK = ONE_FRAME - 1;

  private final WritableByteChannel channel;
  private final int maxPayload;
  private final FailureListener onFailure;
  private final Runnable onDrained;
  private final Queue<Frame> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private ByteBuffer buffer; // guarded by lock; borrowed for one drain
  private volatile IOException failure;
  private volatile boolean stopped;

  CombiningFrameWriter(WritableByteChannel channel, int maxPayload, FailureListener onFailure,
      Runnable onDrained) {
    this.channel = channel;
    this.maxPayload = maxPayload;
    this.onFailure = onFailure;
    this.onDrained = onDrained;
  }

  @Override
  public int maxPayload() {
    return maxPayload;
  }

  @Override
  public int queuedFrames() {
    return (int) (queued.get() >>> BYTE_BITS);
  }

  @Override
  public long queuedBytes() {
    return queued.get() & BYTE_MASK;
  }

  @Override
  public void enqueue(Frame frame) throws IOException {
    FrameAdmission.check(this, frame, failure, stopped);
    queued.addAndGet(ONE_FRAME + Frame.HEADER_SIZE + frame.payload().length);
    queue.add(frame);
  }

  @Override
  public void send(Frame frame) throws IOException {
    enqueue(frame);
    flush();
  }

  @Override
  public void flush() {
    while (!queue.isEmpty() && lock.tryLock()) {
      try {
        drain();
      } finally {
        lock.unlock();
      }
      onDrained.run();
    }
  }

  @Override
  public void stop(long millis) throws InterruptedException {
    if (lock.tryLock(millis, TimeUnit.MILLISECONDS)) {
      try {
        drain();
        stopped = true;
        discardQueued();
      } finally {
        lock.unlock();
      }
    }
    stopped = true;
    onDrained.run();
  }

  private Frame poll() {
    Frame frame = queue.poll();
    if (frame != null) {
      queued.addAndGet(-(ONE_FRAME + Frame.HEADER_SIZE + frame.payload().length));
    }
    return frame;
  }

  private void discardQueued() {
    while (poll() != null) {
      // dropped: the connection is broken or stopped
    }
  }

  private void drain() {
    if (failure != null || stopped) {
      discardQueued();
      return;
    }
    buffer = WriteBuffers.take();
    try {
      Frame frame;
      while ((frame = poll()) != null) {
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
      discardQueued();
      onFailure.writeFailed(e);
    } finally {
      WriteBuffers.give(buffer);
      buffer = null;
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
