package dev.shim4j.ttrpc;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The messages arriving on one stream, in order, as the connection's reader hands them over:
 * payloads, then either a normal end or a failure. Once ended, it stays ended.
 */
final class InboundMessages {
  private static final Object END = new Object();

  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private volatile Object terminal; // END or a TtrpcException once seen by a receiver
  private volatile boolean finished; // no more items will be added

  void message(byte[] payload) {
    if (!finished) {
      queue.add(payload);
    }
  }

  void end() {
    if (!finished) {
      finished = true;
      queue.add(END);
    }
  }

  void fail(TtrpcException e) {
    if (!finished) {
      finished = true;
      queue.add(e);
    }
  }

  /** Messages received and not yet taken. */
  int backlog() {
    return queue.size();
  }

  boolean isFinished() {
    return finished;
  }

  /** The next payload; null at the normal end; throws the failure the stream ended with. */
  byte[] next() throws InterruptedException {
    return next(0);
  }

  /**
   * Like {@link #next()}, waiting at most until {@code deadlineNanos} (System.nanoTime based;
   * 0 = no deadline); then the stream fails with DEADLINE_EXCEEDED.
   */
  byte[] next(long deadlineNanos) throws InterruptedException {
    Object t = terminal;
    if (t == null) {
      Object item;
      if (deadlineNanos == 0) {
        item = queue.take();
      } else {
        item = queue.poll(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (item == null) {
          fail(new TtrpcException(Code.DEADLINE_EXCEEDED, "deadline exceeded"));
          item = queue.take(); // whatever ended the stream first: the failure or an earlier end
          while (item instanceof byte[]) {
            item = queue.take();
          }
        }
      }
      if (item instanceof byte[] payload) {
        return payload;
      }
      terminal = item;
      t = item;
    }
    if (t instanceof TtrpcException e) {
      throw new TtrpcException(e.code(), e.getMessage(), e, e.details());
    }
    return null;
  }
}
