package dev.shim4j.shim;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A one-shot signal that the shim should exit: the task service calls {@link #signal()} (from
 * Shutdown, typically) and {@link Shim#waitForExit()} returns from {@link #await()}. Signalling
 * twice is harmless; every waiter, past and future, is released.
 */
public final class ExitSignal {
  private final CountDownLatch latch = new CountDownLatch(1);

  /** Creates a signal that is not signalled yet. */
  public ExitSignal() {}

  /** Signals: every waiter returns. */
  public void signal() {
    latch.countDown();
  }

  /**
   * Whether {@link #signal()} was called.
   *
   * @return true once signalled
   */
  public boolean isSignalled() {
    return latch.getCount() == 0;
  }

  /**
   * Blocks until {@link #signal()} is called (or the thread is interrupted).
   *
   * @throws InterruptedException when the waiting thread is interrupted
   */
  public void await() throws InterruptedException {
    latch.await();
  }

  /**
   * Waits up to {@code timeout}.
   *
   * @param timeout how long to wait at most
   * @return true when signalled, false when the time ran out
   * @throws InterruptedException when the waiting thread is interrupted
   */
  public boolean await(Duration timeout) throws InterruptedException {
    return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
