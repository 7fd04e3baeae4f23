package dev.shim4j.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Pays, on a thread of the caller's choosing, what the first native calls of a process cost
 * besides the calls themselves: linking the downcall handle (~45 ms in a cold JVM, see
 * {@link Native}) and, for each value layout, the var handle the JDK spins at the first
 * {@code MemorySegment.get}/{@code set} with it (3-8 ms each, profiled: otherwise paid inside the
 * first socket, poll or waitpid call that touches a struct). Side-effect free.
 */
public final class NativeWarmup {
  private NativeWarmup() {}

  /** The link first: it is what other threads wait for soonest. */
  public static void run() {
    Processes.getpid();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment scratch = arena.allocate(16, 8);
      scratch.set(Native.LONG, 0, scratch.get(Native.LONG, 8));
      scratch.set(Native.INT, 0, scratch.get(Native.INT, 4));
      scratch.set(Native.SHORT, 0, scratch.get(Native.SHORT, 2));
      scratch.set(Native.BYTE, 0, scratch.get(Native.BYTE, 1));
      byte[] bytes = new byte[16];
      MemorySegment.copy(bytes, 0, scratch, Native.BYTE, 0, bytes.length);
      MemorySegment.copy(scratch, Native.BYTE, 0, bytes, 0, bytes.length);
    }
  }
}
