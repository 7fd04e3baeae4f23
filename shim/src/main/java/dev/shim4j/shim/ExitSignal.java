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

  public void signal() {
    latch.countDown();
  }

  public boolean isSignalled() {
    return latch.getCount() == 0;
  }

  /** Blocks until {@link #signal()} is called (or the thread is interrupted). */
  public void await() throws InterruptedException {
    latch.await();
  }

  /** Waits up to {@code timeout}; true when signalled. */
  public boolean await(Duration timeout) throws InterruptedException {
    return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
