package dev.shim4j.runcshim;

import java.util.concurrent.CompletableFuture;

/**
 * The exec starts under way in one container, and the moment init's exit closes them off. As
 * containerd's runc shim does: an exec Start that began before init exited runs to its end
 * (started, or failed), and only then is init's exit handled, so that every exec which did start
 * is seen, killed and its exit published before init's; an exec Start after init exited is
 * refused. Without the gate an exec whose {@code runc exec} was still running when init's exit
 * was handled had no pid yet: nothing killed or waited for it, and it could outlive its
 * container.
 *
 * <p>Correct under concurrency (any number of Starts racing one init exit): {@link #enter} and
 * {@link #close} take the same monitor, so every Start is ordered either before the close (it
 * is counted) or after it (it is refused); no Start is admitted once {@code close} returned.
 * The count can then only fall, and {@link #close}'s future completes exactly once, when it
 * reaches zero: at once if no Start was counted, else in the {@link #leave} of the last counted
 * Start (completion happens outside the monitor, so what waits on it never runs under it).
 * Every {@code enter} that returned true is paired with one {@code leave} in a finally block.
 */
final class ExecStartGate {
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private int starting;
  private boolean closed;

  /** Counts an exec Start in; false once init exited (the Start must be refused). */
  synchronized boolean enter() {
    if (closed) {
      return false;
    }
    starting++;
    return true;
  }

  /** The Start counted in by {@link #enter} ended: its exec runs with its exit watched, or failed. */
  void leave() {
    boolean last;
    synchronized (this) {
      if (starting == 0) {
        throw new IllegalStateException("leave without enter");
      }
      starting--;
      last = closed && starting == 0;
    }
    if (last) {
      drained.complete(null);
    }
  }

  /**
   * Init exited: refuses every later Start. The future completes once the Starts counted in
   * before have all left.
   */
  CompletableFuture<Void> close() {
    boolean none;
    synchronized (this) {
      closed = true;
      none = starting == 0;
    }
    if (none) {
      drained.complete(null);
    }
    return drained;
  }
}
