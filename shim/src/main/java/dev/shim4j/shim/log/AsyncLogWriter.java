package dev.shim4j.shim.log;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Decouples logging callers from the destination: callers only offer a line to a bounded queue
 * (dropping it when the queue is full) and one daemon thread writes lines to the sink. A FIFO
 * nobody reads can therefore never stall a task service call; it only costs dropped lines, which
 * are counted and reported in the log once it flows again.
 */
final class AsyncLogWriter implements AutoCloseable {
  static final int DEFAULT_CAPACITY = 4096;

  private final BlockingQueue<byte[]> queue;
  private final LogSink sink;
  private final LongFunction<byte[]> dropNotice;
  private final Thread thread;
  private final AtomicLong dropped = new AtomicLong();
  private final Object progress = new Object();
  private long submitted; // guarded by progress
  private long finished; // guarded by progress
  private long droppedReported;
  private volatile boolean closing;

  /**
   * @param dropNotice formats the line that tells how many lines were lost since the last notice
   */
  AsyncLogWriter(LogSink sink, int capacity, LongFunction<byte[]> dropNotice) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.sink = sink;
    this.dropNotice = dropNotice;
    // Virtual: it mostly waits for lines (sinks over sys's fd streams park it, not its carrier),
    // and a platform thread's stack stays resident.
    this.thread = Thread.ofVirtual().name("shim-log-writer").unstarted(this::run);
    thread.start();
  }

  /** Queues a line; false (and counted as dropped) when the queue is full or the writer closed. */
  boolean submit(byte[] line) {
    if (closing) {
      dropped.incrementAndGet();
      return false;
    }
    synchronized (progress) {
      if (!queue.offer(line)) {
        dropped.incrementAndGet();
        return false;
      }
      submitted++;
    }
    return true;
  }

  /** Lines lost so far: queue overflow plus lines the sink could not take. */
  long dropped() {
    return dropped.get();
  }

  /** Waits until every line queued before this call was written or dropped, up to {@code timeout}. */
  boolean flush(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      long target = submitted;
      while (finished < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !thread.isAlive()) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
      return true;
    }
  }

  /** Writes what is queued (for up to {@code timeout}), then stops the thread and closes the sink. */
  void close(Duration timeout) {
    try {
      flush(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closing = true;
    thread.interrupt();
    try {
      thread.join(timeout.toMillis() + 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sink.close();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(1));
  }

  private void run() {
    while (!closing) {
      byte[] line;
      try {
        line = queue.take();
      } catch (InterruptedException e) {
        if (closing) {
          break;
        }
        continue;
      }
      writeOne(line);
      synchronized (progress) {
        finished++;
        progress.notifyAll();
      }
    }
    queue.clear();
  }

  private void writeOne(byte[] line) {
    try {
      long lost = dropped.get() - droppedReported;
      if (lost > 0 && sink.write(dropNotice.apply(lost))) {
        droppedReported += lost;
      }
      if (!sink.write(line)) {
        dropped.incrementAndGet();
      }
    } catch (Exception | Error e) {
      // The sink failed in a way it could not absorb; the line is lost, the shim goes on.
      dropped.incrementAndGet();
    }
  }
}
