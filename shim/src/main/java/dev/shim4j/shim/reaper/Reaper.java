package dev.shim4j.shim.reaper;

import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.sys.Errno;
import dev.shim4j.sys.FdInputStream;
import dev.shim4j.sys.FdOutputStream;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.Spawn;
import dev.shim4j.sys.SysException;
import dev.shim4j.sys.WaitStatus;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;

/**
 * The one owner of a shim's children. A platform thread waits in {@code waitpid(-1)} and routes
 * each exit to the future of the child it spawned and to every subscriber (runc's container
 * processes are reparented to the shim, a child subreaper, so they arrive here too). Nothing in a
 * shim process may use ProcessBuilder or Runtime.exec: their waits would race this one.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>A child that exits before {@link #spawn} returns is still routed to its future: spawning
 *       and registering the pid happen under the lock the reaper takes before routing.
 *   <li>Subscribers see every exit reaped after {@link #subscribe()} returned, in reaping order,
 *       through their own bounded queue ({@link #DEFAULT_SUBSCRIBER_CAPACITY} by default). The
 *       reaper thread never blocks on a subscriber: one whose queue is full is cut off and told so
 *       by a {@link SubscriptionOverflowException}; the others keep receiving.
 *   <li>Subscribers get an exit before the child's future completes. Futures complete on virtual
 *       threads, so a slow callback chained to one cannot stall reaping.
 * </ul>
 */
public final class Reaper {
  /** Queue size of {@link #subscribe()}: far more exits than a shim sees between two takes. */
  public static final int DEFAULT_SUBSCRIBER_CAPACITY = 4096;

  /** How long the reaper thread sleeps when it has no children, unless a spawn wakes it. */
  private static final long IDLE_WAIT_MILLIS = 500;

  private static final System.Logger LOG = ShimLogging.logger(Reaper.class);

  private static final class Holder {
    static final Reaper INSTANCE = new Reaper();
  }

  /** Guards {@link #children} and {@link #generation}; taken by the reaper before routing. */
  private final Object lock = new Object();
  private final Map<Integer, CompletableFuture<Exit>> children = new HashMap<>();
  private long generation;
  private final List<QueuedSubscription> subscribers = new CopyOnWriteArrayList<>();
  private final ExecutorService completions =
      Executors.newThreadPerTaskExecutor(NumberedThreads.virtual("reaper-exit-"));
  private final CommandRunner runner = new CommandRunner(this);

  private static volatile boolean running;

  private Reaper() {
    running = true;
    Thread thread = Thread.ofPlatform().daemon().name("shim4j-reaper").unstarted(this::reapForever);
    thread.start();
  }

  /** The process-wide reaper, started on first use. */
  public static Reaper get() {
    return Holder.INSTANCE;
  }

  /**
   * Whether this process reaps its children: true once {@link #get} was called. A shim configured
   * without a reaper waits for its children itself, and must not get one behind its back.
   */
  public static boolean isRunning() {
    return running;
  }

  /** Every exit reaped from now on. Subscribe before spawning what you want to see exit. */
  public ExitSubscription subscribe() {
    return subscribe(DEFAULT_SUBSCRIBER_CAPACITY);
  }

  /** Like {@link #subscribe()} with a queue of {@code capacity} exits. */
  public ExitSubscription subscribe(int capacity) {
    QueuedSubscription subscription = new QueuedSubscription(capacity, subscribers::remove);
    subscribers.add(subscription);
    return subscription;
  }

  /** Spawns a child (posix_spawn through sys); its exit completes {@link Child#exit()}. */
  public Child spawn(Command command) throws IOException {
    Spawn spawn = Spawn.of(command.argv()).env(command.env()).cwd(command.cwd());
    if (command.newSession()) {
      spawn.newSession();
    }
    List<Integer> childEnds = new ArrayList<>();
    List<Closeable> parentEnds = new ArrayList<>();
    boolean ok = false;
    try {
      OutputStream stdin = null;
      InputStream stdout = null;
      InputStream stderr = null;
      if (wire(spawn, 0, command.stdin(), true, childEnds) instanceof Fds.Pipe p) {
        stdin = new FdOutputStream(p.writeFd());
        parentEnds.add(stdin);
      }
      if (wire(spawn, 1, command.stdout(), false, childEnds) instanceof Fds.Pipe p) {
        stdout = new FdInputStream(p.readFd());
        parentEnds.add(stdout);
      }
      if (wire(spawn, 2, command.stderr(), false, childEnds) instanceof Fds.Pipe p) {
        stderr = new FdInputStream(p.readFd());
        parentEnds.add(stderr);
      }
      command.extraFds().forEach(spawn::fd);
      CompletableFuture<Exit> exit = new CompletableFuture<>();
      int pid;
      synchronized (lock) {
        pid = spawn.start();
        children.put(pid, exit);
        generation++;
        lock.notifyAll();
      }
      ok = true;
      return new SpawnedChild(pid, exit, stdin, stdout, stderr);
    } finally {
      childEnds.forEach(Fds::closeQuietly);
      if (!ok) {
        for (Closeable c : parentEnds) {
          c.close();
        }
      }
    }
  }

  /**
   * Sets up one stdio descriptor of the child. Returns the new pipe for {@link Stdio.Pipe} (its
   * child end is already in {@code childEnds}), else null.
   */
  private static Fds.Pipe wire(Spawn spawn, int childFd, Stdio stdio, boolean childReads,
      List<Integer> childEnds) throws SysException {
    // if/instanceof rather than a type switch: a type switch's bootstrap spins a class at its
    // first use (a millisecond or more of a cold JVM, not kept by the AOT cache), and a runc
    // shim's first spawn is inside containerd's first Create.
    if (stdio instanceof Stdio.Inherit) {
      return null;
    } else if (stdio instanceof Stdio.Null) {
      spawn.devNull(childFd);
      return null;
    } else if (stdio instanceof Stdio.Fd fd) {
      spawn.fd(childFd, fd.fd());
      return null;
    } else if (stdio instanceof Stdio.Pipe) {
      Fds.Pipe pipe = Fds.pipe();
      int childEnd = childReads ? pipe.readFd() : pipe.writeFd();
      childEnds.add(childEnd);
      spawn.fd(childFd, childEnd);
      return pipe;
    }
    throw new IllegalArgumentException("unknown stdio " + stdio);
  }

  /**
   * Spawns, writes {@code stdin} (may be empty) to a piped stdin, captures stdout and stderr, and
   * waits for the exit. On timeout the child is killed with SIGKILL and TimeoutException thrown.
   *
   * <p>Output is read concurrently (no pipe deadlock on big output). If the child exits but a
   * descendant keeps its stdout/stderr open, capture stops at the deadline and the result holds
   * what was read. An interrupt kills the child too.
   */
  public CommandResult run(Command command, byte[] stdin, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    return runner.run(command, stdin == null ? new byte[0] : stdin, timeout);
  }

  private void reapForever() {
    while (true) {
      long seen;
      synchronized (lock) {
        seen = generation;
      }
      WaitStatus status;
      try {
        status = Processes.waitpid(Processes.ANY_CHILD, 0).orElse(null);
      } catch (SysException e) {
        if (e.errno() != Errno.ECHILD) {
          LOG.log(System.Logger.Level.WARNING, "reaper: " + e.getMessage());
        }
        idle(seen);
        continue;
      }
      if (status != null) {
        route(new Exit(status.pid(), status.shellStatus(), Instant.now()));
      }
    }
  }

  /** No children right now: sleep until the next spawn (or a while, for children not ours). */
  private void idle(long seen) {
    synchronized (lock) {
      if (generation == seen) {
        try {
          lock.wait(IDLE_WAIT_MILLIS);
        } catch (InterruptedException e) {
          // the reaper thread is never interrupted on purpose; keep reaping
        }
      }
    }
  }

  private void route(Exit exit) {
    CompletableFuture<Exit> future;
    synchronized (lock) {
      future = children.remove(exit.pid());
    }
    for (QueuedSubscription s : subscribers) {
      if (!s.offer(exit)) {
        LOG.log(System.Logger.Level.WARNING,
            "reaper: an exit subscriber fell behind and was cut off at pid " + exit.pid());
      }
    }
    if (future != null) {
      completions.execute(() -> future.complete(exit));
    }
  }
}
