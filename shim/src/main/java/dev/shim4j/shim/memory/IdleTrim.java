package dev.shim4j.shim.memory;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link FilePages#dropUnused()} once a shim has been quiet for a moment after work that
 * touched a lot of code (start-up, a Create): callers {@link #request()} after such work, and the
 * drop happens {@link #QUIET} after the last request, on one virtual thread. Off with
 * {@code -Dshim4j.dropFilePages=false}.
 */
public final class IdleTrim {
  private static final Logger LOG = System.getLogger(IdleTrim.class.getName());
  static final Duration QUIET = Duration.ofSeconds(2);
  private static final boolean ENABLED =
      !"false".equalsIgnoreCase(System.getProperty("shim4j.dropFilePages"));

  private static final Object LOCK = new Object();
  private static long deadline; // System.nanoTime() of the next drop; guarded by LOCK
  private static boolean pending; // guarded by LOCK
  private static Thread thread; // guarded by LOCK

  private IdleTrim() {}

  /** Drops unused file pages {@link #QUIET} from now, unless another request comes first. */
  public static void request() {
    if (!ENABLED) {
      return;
    }
    synchronized (LOCK) {
      deadline = System.nanoTime() + QUIET.toNanos();
      pending = true;
      if (thread == null) {
        thread = Thread.ofVirtual().name("idle-trim").start(IdleTrim::run);
      } else {
        LOCK.notifyAll();
      }
    }
  }

  private static void run() {
    try {
      while (true) {
        synchronized (LOCK) {
          if (!pending) {
            LOCK.wait(); // the next request() notifies; a parked virtual thread costs no OS thread
            continue;
          }
          long left = deadline - System.nanoTime();
          if (left > 0) {
            TimeUnit.NANOSECONDS.timedWait(LOCK, left);
            continue;
          }
          pending = false;
        }
        try {
          long kb = FilePages.dropUnused();
          LOG.log(Level.DEBUG, () -> "dropped " + kb + " kB of mapped file pages");
        } catch (IOException | RuntimeException e) {
          LOG.log(Level.DEBUG, "dropping mapped file pages failed", e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
