package dev.shim4j.ttrpc.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;

/** A {@link FrameWriter} with a writer thread of its own: senders only queue. */
final class ThreadFrameWriter implements FrameWriter {
  /**
   * Small, as in {@link CombiningFrameWriter}: the direct buffer is resident from allocation on,
   * and frames bigger than it are written straight from their arrays.
   */
  private static final int BUFFER_SIZE = 16 * 1024;
  private static final Frame STOP = new Frame(0, (byte) 0, (byte) 0, null);

  private final WritableByteChannel channel;
  private final int maxPayload;
  private final FailureListener onFailure;
  private final LinkedBlockingQueue<Frame> queue = new LinkedBlockingQueue<>();
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
  private final Thread thread;
  private volatile IOException failure;
  private volatile boolean stopped;

  ThreadFrameWriter(WritableByteChannel channel, int maxPayload, FailureListener onFailure,
      ThreadFactory threads) {
    this.channel = channel;
    this.maxPayload = maxPayload;
    this.onFailure = onFailure;
    this.thread = threads.newThread(this::run);
    thread.start();
  }

  @Override
  public int maxPayload() {
    return maxPayload;
  }

  @Override
  public void enqueue(Frame frame) throws IOException {
    send(frame);
  }

  @Override
  public void send(Frame frame) throws IOException {
    FrameAdmission.check(this, frame, failure, stopped);
    queue.add(frame);
  }

  @Override
  public void stop(long millis) throws InterruptedException {
    if (!stopped) {
      stopped = true;
      queue.add(STOP);
    }
    if (millis > 0 && Thread.currentThread() != thread) {
      thread.join(millis);
    }
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
