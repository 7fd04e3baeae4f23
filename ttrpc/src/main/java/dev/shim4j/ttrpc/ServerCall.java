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
  volatile Thread handlerThread;

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
    Thread t = handlerThread;
    if (t != null) {
      t.interrupt();
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
