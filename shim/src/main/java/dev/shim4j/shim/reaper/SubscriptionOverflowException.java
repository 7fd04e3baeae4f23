package dev.shim4j.shim.reaper;

/**
 * Thrown by {@link ExitSubscription#take()}/{@code poll} once a subscriber fell so far behind that
 * its queue filled up and the reaper stopped delivering to it (after the exits that were queued
 * are drained). Losing an exit silently would leave a task that never reports its end; failing
 * loudly lets the owner resynchronise (e.g. check its pids with kill(pid, 0)).
 */
public final class SubscriptionOverflowException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public SubscriptionOverflowException(int capacity) {
    super("exit subscriber fell behind: more than " + capacity + " exits queued; delivery stopped");
  }
}
