package dev.shim4j.shim.reaper;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual-thread factories that number their threads, as {@code Thread.ofVirtual().name(prefix,
 * 0)} does, for less start-up CPU.
 *
 * <p>The JDK's numbered factory adds to its counter through a VarHandle call whose type is not the
 * field's own ({@code int} added to a {@code long}); the first such call in a JVM spins
 * method-handle adapters that no AOT cache holds: ~5 ms of a cold daemon's CPU, spent on the way to
 * containerd's first call. A plain {@link AtomicLong} numbers them without that.
 */
final class NumberedThreads {
  private NumberedThreads() {}

  static ThreadFactory virtual(String prefix) {
    AtomicLong next = new AtomicLong();
    return task -> Thread.ofVirtual().name(prefix + next.getAndIncrement()).unstarted(task);
  }
}
