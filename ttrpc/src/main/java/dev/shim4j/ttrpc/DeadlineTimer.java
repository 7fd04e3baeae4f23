package dev.shim4j.ttrpc;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fires call deadlines, coarsely: deadlines are rounded up to a {@value #TICK_MILLIS} ms tick and
 * share one scheduled task per tick. Nearly every call of a busy server carries a deadline and
 * nearly none expires, so adding and removing must be cheap: one set insertion and removal per
 * call, rather than a timer-queue entry (and a timer thread wake-up) each.
 */
final class DeadlineTimer {
  /** Looked up at each (rare) use: see {@code Server.log()}. */
  private static Logger log() {
    return Logger.getLogger(DeadlineTimer.class.getName());
  }
  static final long TICK_MILLIS = 5;
  private static final long TICK = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);

  /** A registered deadline; {@link #cancel} it when the call ends first. */
  final class Entry {
    private final Runnable action;
    private final Bucket bucket;

    private Entry(Runnable action, Bucket bucket) {
      this.action = action;
      this.bucket = bucket;
    }

    void cancel() {
      bucket.entries.remove(this);
    }
  }

  private final class Bucket implements Runnable {
    final long tick;
    final Set<Entry> entries = ConcurrentHashMap.newKeySet();

    Bucket(long tick) {
      this.tick = tick;
    }

    @Override
    public void run() {
      buckets.remove(tick, this);
      for (Entry e : entries) {
        if (entries.remove(e)) {
          try {
            e.action.run();
          } catch (RuntimeException ex) {
            log().log(Level.WARNING, "deadline action failed", ex);
          }
        }
      }
    }
  }

  private final ConcurrentHashMap<Long, Bucket> buckets = new ConcurrentHashMap<>();
  private final ScheduledExecutorService executor;

  DeadlineTimer() {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1,
        Thread.ofPlatform().daemon().name("ttrpc-deadlines").factory());
    e.setRemoveOnCancelPolicy(true);
    this.executor = e;
  }

  /** Runs {@code action} soon after {@code deadlineNanos} (System.nanoTime based). */
  Entry schedule(long deadlineNanos, Runnable action) {
    long tick = Math.floorDiv(deadlineNanos, TICK) + 1;
    while (true) {
      Bucket bucket = buckets.computeIfAbsent(tick, t -> {
        Bucket b = new Bucket(t);
        executor.schedule(b, t * TICK - System.nanoTime(), TimeUnit.NANOSECONDS);
        return b;
      });
      Entry entry = new Entry(action, bucket);
      bucket.entries.add(entry);
      if (buckets.get(tick) == bucket) {
        return entry;
      }
      // The bucket fired (and left the map) while we joined it: our entry may have been missed.
      if (bucket.entries.remove(entry)) {
        if (System.nanoTime() - deadlineNanos >= 0) {
          action.run();
          return entry;
        }
      } else {
        return entry; // it was run
      }
    }
  }

  /** Runs {@code task} every {@code periodNanos} until shutdown (a watchdog, not a deadline). */
  void every(long periodNanos, Runnable task) {
    executor.scheduleWithFixedDelay(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log().log(Level.WARNING, "periodic task failed", e);
      }
    }, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
  }

  void shutdown() {
    executor.shutdownNow();
  }
}
