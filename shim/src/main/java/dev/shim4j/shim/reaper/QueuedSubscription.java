package dev.shim4j.shim.reaper;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One subscriber's bounded queue. The reaper thread only ever {@link #offer}s, which never blocks:
 * a full queue turns into an overflow (see {@link SubscriptionOverflowException}) instead of a
 * stalled reaper or a stalled neighbour.
 */
final class QueuedSubscription implements ExitSubscription {
  private final int capacity;
  private final Consumer<QueuedSubscription> onClose;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final ArrayDeque<Exit> queue = new ArrayDeque<>();
  private boolean closed;
  private boolean overflowed;

  QueuedSubscription(int capacity, Consumer<QueuedSubscription> onClose) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.onClose = onClose;
  }

  /** Called by the reaper thread; false when this subscriber just overflowed. */
  boolean offer(Exit exit) {
    lock.lock();
    try {
      if (closed || overflowed) {
        return true;
      }
      if (queue.size() >= capacity) {
        overflowed = true;
        notEmpty.signalAll();
        return false;
      }
      queue.addLast(exit);
      notEmpty.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Exit take() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        Exit next = nextOrFail();
        if (next != null) {
          return next;
        }
        notEmpty.await();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<Exit> poll(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (true) {
        Exit next = nextOrFail();
        if (next != null) {
          return Optional.of(next);
        }
        if (nanos <= 0) {
          return Optional.empty();
        }
        nanos = notEmpty.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: the head of the queue, or null to wait, or an exception when waiting is futile. */
  private Exit nextOrFail() {
    Exit next = queue.pollFirst();
    if (next != null) {
      return next;
    }
    if (overflowed) {
      throw new SubscriptionOverflowException(capacity);
    }
    if (closed) {
      throw new IllegalStateException("exit subscription closed");
    }
    return null;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.clear();
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
    onClose.accept(this);
  }

}
