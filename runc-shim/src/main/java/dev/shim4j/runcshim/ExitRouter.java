package dev.shim4j.runcshim;

import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.reaper.Exit;
import dev.shim4j.shim.reaper.ExitSubscription;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Routes the reaper's exits to container processes by pid. The subscription exists before any
 * runc runs, so no exit is missed; but a process can exit before we know its pid (runc wrote the
 * pid file, the process died, we had not read the file yet). While a start is in flight, exits of
 * unknown pids are kept, and {@link #register} delivers such an early exit at once.
 */
final class ExitRouter {
  private static final Logger LOG = ShimLogging.logger(ExitRouter.class);

  private static final Duration EARLY_EXIT_HORIZON = Duration.ofMinutes(2);

  private final ExitSubscription subscription;
  private final Object lock = new Object();
  private final Map<Integer, Consumer<Exit>> byPid = new HashMap<>();
  private final Map<Integer, Exit> early = new HashMap<>();
  private int startsInFlight;

  ExitRouter(ExitSubscription subscription) {
    this.subscription = subscription;
    // Virtual: it waits on the reaper's queue; a platform thread's stack would stay resident.
    Thread.ofVirtual().name("exit-router").start(this::loop);
  }

  /**
   * Call before spawning runc create/exec/restore; pair with {@link #endStart()}. Returns the
   * moment the start began: only exits after it can belong to the process being started.
   */
  Instant beginStart() {
    synchronized (lock) {
      startsInFlight++;
    }
    return Instant.now();
  }

  void endStart() {
    synchronized (lock) {
      if (--startsInFlight == 0) {
        early.clear();
      }
    }
  }

  /**
   * {@code onExit} runs (on its own virtual thread) when {@code pid} exits, or now if it already
   * did after {@code since} (an older exit of the same pid was another process: pids are reused).
   */
  void register(int pid, Instant since, Consumer<Exit> onExit) {
    Exit already;
    synchronized (lock) {
      already = early.remove(pid);
      if (already != null && already.exitedAt().isBefore(since)) {
        already = null;
      }
      if (already == null) {
        byPid.put(pid, onExit);
        return;
      }
    }
    dispatch(onExit, already);
  }

  void unregister(int pid) {
    synchronized (lock) {
      byPid.remove(pid);
    }
  }

  private void loop() {
    while (true) {
      Exit exit;
      try {
        exit = subscription.take();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "exit subscription failed: " + e.getMessage(), e);
        return;
      }
      Consumer<Exit> target;
      synchronized (lock) {
        target = byPid.remove(exit.pid());
        if (target == null && startsInFlight > 0) {
          early.put(exit.pid(), exit);
          // Under a steady stream of starts the count may never reach zero: bound the memory.
          Instant horizon = exit.exitedAt().minus(EARLY_EXIT_HORIZON);
          early.values().removeIf(e -> e.exitedAt().isBefore(horizon));
        }
      }
      if (target != null) {
        dispatch(target, exit);
      }
    }
  }

  private static void dispatch(Consumer<Exit> target, Exit exit) {
    Thread.ofVirtual().name("exit-" + exit.pid()).start(() -> {
      try {
        target.accept(exit);
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "handling the exit of pid " + exit.pid() + " failed: " + e.getMessage(), e);
      }
    });
  }
}
