package dev.shim4j.ttrpc;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call a server is serving: its context, its deadline and the guarantee that it is answered
 * at most once (the handler's answer and the deadline's race for it).
 */
final class ServerCall implements CallContext {
  private final int streamId;
  private final String service;
  private final String method;
  private final Metadata metadata;
  private final long deadlineNanos; // System.nanoTime() based; 0 = none
  private final Optional<PeerCredentials> peer;
  private final AtomicBoolean answered = new AtomicBoolean();
  private volatile boolean cancelled;
  // The handler's thread writes to the socket itself; an interrupt while it does would close the
  // channel (Java's interruptible channels), so interrupts wait until its write is done.
  private final Object gate = new Object();
  private Thread handlerThread; // guarded by gate
  private boolean writing; // guarded by gate
  private boolean interruptHeld; // guarded by gate

  ServerCall(int streamId, String service, String method, Metadata metadata, long timeoutNano,
      Optional<PeerCredentials> peer) {
    this.streamId = streamId;
    this.service = service;
    this.method = method;
    this.metadata = metadata;
    this.deadlineNanos = timeoutNano > 0 ? nonZero(System.nanoTime() + timeoutNano) : 0;
    this.peer = peer;
  }

  private static long nonZero(long t) {
    return t == 0 ? 1 : t;
  }

  int streamId() {
    return streamId;
  }

  boolean hasDeadline() {
    return deadlineNanos != 0;
  }

  long deadlineNanos() {
    return deadlineNanos;
  }

  long nanosLeft() {
    return deadlineNanos - System.nanoTime();
  }

  /** True for exactly one caller: the one that may write the call's final frame. */
  boolean claimAnswer() {
    return answered.compareAndSet(false, true);
  }

  boolean isAnswered() {
    return answered.get();
  }

  void cancel() {
    cancelled = true;
    synchronized (gate) {
      if (handlerThread == null) {
        return;
      }
      if (writing) {
        interruptHeld = true;
      } else {
        handlerThread.interrupt();
      }
    }
  }

  /** The handler starts on the current thread. */
  void handlerStarts() {
    synchronized (gate) {
      handlerThread = Thread.currentThread();
      if (cancelled) {
        // Cancelled before the handler got its thread (e.g. a flooded stream): the interrupt
        // cancel() could not deliver is delivered now, or a blocked handler would never notice.
        handlerThread.interrupt();
      }
    }
  }

  /** The handler is done; no interrupt reaches its thread any more. */
  void handlerEnds() {
    synchronized (gate) {
      handlerThread = null;
      interruptHeld = false;
    }
    Thread.interrupted();
  }

  /**
   * The handler's thread is about to write: interrupts are held back until {@link #endWrite}.
   *
   * @return whether the thread was already interrupted (the flag is cleared for the write)
   */
  boolean beginWrite() {
    synchronized (gate) {
      writing = true;
    }
    return Thread.interrupted();
  }

  void endWrite(boolean wasInterrupted) {
    boolean held;
    synchronized (gate) {
      writing = false;
      held = interruptHeld;
      interruptHeld = false;
    }
    if (wasInterrupted || held) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public Metadata metadata() {
    return metadata;
  }

  @Override
  public Optional<Duration> remaining() {
    if (deadlineNanos == 0) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(Math.max(0, nanosLeft())));
  }

  @Override
  public boolean isCancelled() {
    return cancelled || (deadlineNanos != 0 && nanosLeft() <= 0);
  }

  @Override
  public Optional<PeerCredentials> peer() {
    return peer;
  }
}
