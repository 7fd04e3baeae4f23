package dev.shim4j.shim.internal;

import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.sys.NativeWarmup;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.Optional;

/**
 * A {@code start} that becomes the daemon itself instead of spawning a second JVM.
 *
 * <p>Go's shim re-executes itself for the daemon: a new process costs it a millisecond. A new JVM
 * costs a whole JVM start, paid twice before containerd's first call is answered. So the
 * distribution's launcher runs {@code start} already detached, in a session of its own with stdin
 * from containerd and stdout on a pipe the launcher reads, and sets {@link #PROPERTY}. Then
 * {@link Daemon#spawn} binds the listening socket in this process and parks it here, the bootstrap
 * prints the answer, lets go of stdin, stdout and stderr (the launcher sees end-of-file and
 * answers containerd) and goes on serving on that socket.
 *
 * <p>Without the property (a shim run as plain {@code java -cp ...}) nothing changes: the daemon
 * is spawned, as it must be when nobody has detached this process from containerd.
 */
final class InProcessStart {
  /** Set to {@value #IN_PROCESS} by a launcher that has detached {@code start} from containerd. */
  static final String PROPERTY = "dev.shim4j.start";
  static final String IN_PROCESS = "in-process";
  private static ServerSocketChannel claimed;
  private static boolean prepared;

  private InProcessStart() {}

  static boolean enabled() {
    return IN_PROCESS.equals(System.getProperty(PROPERTY));
  }

  /**
   * Warms up, while this thread computes the answer, what the process needs next; containerd,
   * waiting for the answer, leaves the machine to us. Each of these initializes once per process,
   * cold, in tens of milliseconds, and would otherwise be paid in turn on the way to containerd's
   * first call. Two threads, because the daemon waits for both chains and a shim host has at least
   * two cores:
   *
   * <ul>
   *   <li>native calls: the first FFM downcall costs ~45 ms of linking, the longest chain, and the
   *       daemon's first steps (subreaper, reaper) need it; then the var handles of the memory
   *       layouts every native call reads and writes ({@link NativeWarmup});
   *   <li>the JDK's Unix-domain sockets, which {@code start} binds a few milliseconds from now
   *       (most of their ~25 ms is seeding a SecureRandom, which sets up the security providers),
   *       then the protobuf runtime and the task API's method bindings (protobuf's first message
   *       class starts java.util.logging and its version check, 10–15 ms).
   * </ul>
   *
   * <p>Side-effect free: the socket opened here is never bound. Once per process; returns the
   * threads it started (none the second time).
   */
  static synchronized List<Thread> prepareDaemon() {
    if (prepared) {
      return List.of(); // a spare (see Prefork) warmed up before its start was asked for
    }
    prepared = true;
    return List.of(
        Thread.ofPlatform().daemon().name("warmup-native").start(NativeWarmup::run),
        Thread.ofPlatform().daemon().name("warmup-sockets-tasks").start(() -> {
          try (ServerSocketChannel unbound = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            // opening it is the point
          } catch (IOException e) {
            // the bind will report whatever this was
          }
          TaskTtrpc.bind(new TaskTtrpc.Service() {});
        }));
  }

  /** Keeps the listener of the daemon this process is about to become. */
  static synchronized void claim(ServerSocketChannel listener) {
    if (claimed != null) {
      throw new IllegalStateException("this start already claimed a listener");
    }
    claimed = listener;
  }

  /** The listener claimed during {@code start}, once. */
  static synchronized Optional<ServerSocketChannel> take() {
    ServerSocketChannel listener = claimed;
    claimed = null;
    return Optional.ofNullable(listener);
  }

  /**
   * Lets go of containerd's pipes: the JDK closes descriptors 0, 1 and 2 by pointing them at
   * /dev/null, so nothing can reuse those numbers and stray writes go nowhere.
   */
  static void releaseStdio() {
    System.out.flush();
    System.out.close();
    System.err.flush();
    System.err.close();
    try {
      System.in.close();
      // System.err may have been replaced (StderrDiversion); descriptor 2 itself must go too.
      new FileOutputStream(FileDescriptor.err).close();
    } catch (IOException e) {
      // Nothing to do: the launcher then waits for this process's exit instead.
    }
  }
}
