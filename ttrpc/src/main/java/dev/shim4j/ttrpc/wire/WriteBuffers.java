package dev.shim4j.ttrpc.wire;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The direct buffers server connections write through, lent for the length of one drain. A
 * connection that is not writing holds none: thousands of idle connections would otherwise keep
 * a resident buffer each (and count against the JVM's direct memory limit, which defaults to the
 * heap size). Buffers beyond {@value #KEPT} in the pool are left to the garbage collector.
 *
 * <p>Correct under concurrency because a buffer is in at most one place at a time: the pool's
 * lock-free queue hands each buffer to one taker, and a taker returns it only when done with it.
 */
final class WriteBuffers {
  static final int SIZE = 16 * 1024;
  private static final int KEPT = 64;

  private static final ConcurrentLinkedQueue<ByteBuffer> POOL = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger POOLED = new AtomicInteger();

  private WriteBuffers() {}

  static ByteBuffer take() {
    ByteBuffer b = POOL.poll();
    if (b == null) {
      return ByteBuffer.allocateDirect(SIZE);
    }
    POOLED.decrementAndGet();
    return b;
  }

  static void give(ByteBuffer b) {
    b.clear();
    if (POOLED.incrementAndGet() <= KEPT) {
      POOL.add(b);
    } else {
      POOLED.decrementAndGet();
    }
  }
}
