package dev.shim4j.shim.internal;

import dev.shim4j.shim.Shim;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.SysException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A pre-started daemon, a "spare": a JVM that has paid its start-up before containerd asks, and
 * waits for a launcher's {@code start} to adopt it. A cold {@code start} costs a JVM's start-up and
 * warm-up (~170 ms of a {@code ctr run} on two cores); handed to a spare it costs the launcher's
 * few milliseconds. Spares are started by daemons, as {@link SparePool} decides.
 *
 * <p>The spare binds {@code spare.PID} in its {@link PoolDir} first thing, so that a launcher that
 * comes while it boots waits in the socket's backlog ({@code SHIM4J_PREFORK_WAIT_MS}) rather than
 * starting a JVM of its own. It serves launchers concurrently ({@link StartResponder}): the first
 * start in its own environment adopts it, every other connection meanwhile is declined (its
 * launcher tries the next responder or starts cold). Adopted, it renices its threads to 0, runs the
 * start as the launcher's own JVM would have, with stdout and stderr captured, and replies; once
 * the start made it the container's daemon it closes its socket and serves as that daemon. When
 * start found the daemon of the container's group already serving (a pod's or the node's shim),
 * it replies with that address and is a spare again.
 *
 * <p>It exits when the containerd it was started for ({@value #WATCH_PROPERTY}, pid and start
 * time, so a reused pid is not mistaken for it) is gone, or after {@value #IDLE_ENV} seconds
 * (default 600) unadopted. The watch cannot end while it is a spare: there are no claims any more
 * that could leave it stuck; a connection is declined, served or dropped, and the spare is idle
 * again; the watch and an adoption decide under one flag, so a spare never exits under a start.
 */
final class Prefork {
  static final String ACTION = "prefork";
  static final String IDLE_ENV = "SHIM4J_PREFORK_IDLE_SECONDS";
  /** The containerd this spare is for, as {@link ProcessId}; set by the launcher and daemons. */
  static final String WATCH_PROPERTY = "dev.shim4j.prefork.watch";
  private static final System.Logger LOG = ShimLogging.logger(Prefork.class);
  private static final Duration DEFAULT_IDLE = Duration.ofMinutes(10);
  /** How often an idle spare looks whether its containerd is still there. */
  private static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);

  private static volatile Optional<ProcessId> watched;

  private Prefork() {}

  static boolean requested(List<String> args) {
    return System.getProperty(PoolDir.PROPERTY) != null && args.equals(List.of(ACTION));
  }

  /** The containerd that this JVM's launcher ran under (its start time read the first time). */
  static Optional<ProcessId> watched() {
    Optional<ProcessId> known = watched;
    if (known == null) {
      String text = System.getProperty(WATCH_PROPERTY, "");
      known = ProcessId.parse(text).map(id -> id.startTicks() >= 0 ? id : ProcessId.of(id.pid()).orElse(id));
      watched = known;
    }
    return known;
  }

  /** Runs as a spare until adopted (then as the adopting start would), idle, or orphaned. */
  static int serve(String runtimeId, Shim.Factory factory) {
    Optional<ProcessId> containerd = watched();
    if (containerd.isPresent() && !containerd.get().isAlive()) {
      return 0; // started for a containerd that is gone already
    }
    PoolDir pool;
    StartResponder responder;
    try {
      pool = PoolDir.configured().orElseThrow();
      responder = StartResponder.bind(pool.socket("spare", ProcessHandle.current().pid()));
    } catch (Exception e) {
      return 1; // nobody to tell: a spare's stdio is /dev/null
    }
    Spare spare = new Spare(runtimeId, factory, pool, responder);
    setNiceAllThreads(19);
    InProcessStart.prepareDaemon();
    Thread.ofPlatform().daemon().name("prefork-accept").start(() -> responder.serve(spare::offer));
    Thread.ofPlatform().daemon().name("prefork-idle")
        .start(() -> spare.exitWhenUnused(idleTimeout(System.getenv()), containerd));
    return spare.runAdoptions();
  }

  static Duration idleTimeout(Map<String, String> env) {
    try {
      String seconds = env.get(IDLE_ENV);
      return seconds == null ? DEFAULT_IDLE : Duration.ofSeconds(Long.parseLong(seconds.trim()));
    } catch (NumberFormatException e) {
      return DEFAULT_IDLE;
    }
  }

  /** One spare's state: busy while a start runs in it; adoptions run on the main thread. */
  private static final class Spare {
    private final String runtimeId;
    private final Shim.Factory factory;
    private final PoolDir pool;
    private final StartResponder responder;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Set once a start made this process its daemon: from then on it lives as daemons do. */
    private final AtomicBoolean adopted = new AtomicBoolean();
    private final AtomicLong idleSince = new AtomicLong(System.nanoTime());
    private final SynchronousQueue<StartResponder.Exchange> adoptions = new SynchronousQueue<>();

    Spare(String runtimeId, Shim.Factory factory, PoolDir pool, StartResponder responder) {
      this.runtimeId = runtimeId;
      this.factory = factory;
      this.pool = pool;
      this.responder = responder;
    }

    /** A launcher's request: the first start in this environment adopts, others are declined. */
    void offer(StartResponder.Exchange exchange) throws IOException {
      StartWire.Request request = exchange.request();
      if (!request.isStart() || !request.sameEnvironmentAs(System.getenv())
          || !busy.compareAndSet(false, true)) {
        exchange.decline();
        return;
      }
      exchange.take();
      try {
        adoptions.put(exchange);
      } catch (InterruptedException e) {
        exchange.reply(1, new byte[0], new byte[0]);
      }
    }

    /** Runs adopted starts, one at a time, until one makes this process a daemon (or fails). */
    int runAdoptions() {
      while (true) {
        StartResponder.Exchange exchange;
        try {
          exchange = adoptions.take();
        } catch (InterruptedException e) {
          return 1;
        }
        Optional<Integer> status = adopt(exchange);
        if (status.isPresent()) {
          return status.get();
        }
      }
    }

    /** Runs one start; empty when this process is a spare again afterwards. */
    private Optional<Integer> adopt(StartResponder.Exchange exchange) {
      setNiceAllThreads(0);
      StartWire.Request request = exchange.request();
      try {
        Processes.chdir(request.cwd());
      } catch (SysException e) {
        // start resolves the bundle from the explicit -bundle below either way
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      List<String> args = request.startArgs();
      boolean[] becameDaemon = {false};
      Bootstrap bootstrap = new Bootstrap(runtimeId, factory, System.getenv(),
          new ByteArrayInputStream(request.stdin()), new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8), () -> {
            becameDaemon[0] = true;
            adopted.set(true);
            // a daemon now: no launcher may find this spare any more
            responder.close();
            forgetThisSpare();
            exchange.reply(0, out.toByteArray(), err.toByteArray());
            retitle(args);
          }, true);
      int status = bootstrap.run(args);
      if (becameDaemon[0]) {
        return Optional.of(status);
      }
      ShimLogging.reset(); // the log was that bundle's
      try {
        Processes.chdir(Path.of("/"));
      } catch (SysException e) {
        // a spare in a removed directory still works: it resolves everything from absolute paths
      }
      if (status != 0) {
        responder.close(); // this process exits: no launcher may wait on it meanwhile
        forgetThisSpare();
        exchange.reply(status, out.toByteArray(), err.toByteArray());
        return Optional.of(status);
      }
      // A spare again before the launcher hears back: its container's next start may come at once.
      setNiceAllThreads(19);
      idleSince.set(System.nanoTime());
      busy.set(false);
      exchange.reply(status, out.toByteArray(), err.toByteArray());
      return Optional.empty();
    }

    /** Exits after {@code idle} unadopted, or once {@code containerd} is gone; never under a start. */
    void exitWhenUnused(Duration idle, Optional<ProcessId> containerd) {
      while (true) {
        try {
          Thread.sleep(WATCH_INTERVAL);
        } catch (InterruptedException e) {
          // keep watching: only an exit ends a spare's watch
        }
        if (adopted.get()) {
          return; // a daemon now, which lives as long as its containers
        }
        boolean orphaned = containerd.isPresent() && !containerd.get().isAlive();
        boolean unused = System.nanoTime() - idleSince.get() >= idle.toNanos();
        // Unused: only while no start runs here. Orphaned: even under a start, unless that start
        // made this process a daemon: a start for a containerd that is gone has nobody to answer
        // (its launcher went with it), and one stuck on its way must not keep the spare alive.
        if ((unused && busy.compareAndSet(false, true)) || (orphaned && !adopted.get())) {
          responder.close();
          forgetThisSpare();
          LOG.log(System.Logger.Level.DEBUG, orphaned ? "containerd is gone" : "unused for " + idle);
          System.exit(0);
        }
      }
    }

    private void forgetThisSpare() {
      try {
        new SparePool(pool, SparePool.Mode.NEVER, Duration.ZERO, () -> {
          throw new IOException("not spawning");
        }, java.time.InstantSource.system()).forget(ProcessId.self());
      } catch (Exception e) {
        // its process is gone or no spare any more: the next count leaves it out either way
      }
    }
  }

  /**
   * Gives an adopted spare the command line of the start it serves ({@code ... Main -namespace NS
   * -id ID ... start}, as a cold start's daemon has), not {@code ... prefork}: for ps, for
   * {@code pgrep -f ID}, for whoever looks for a container's shim by its id. The whole JVM command
   * line when the kernel lets us point at a new one; otherwise, written over the old line, only
   * what fits: the java binary, shim4j's own properties (the pool stays: tools find daemons that
   * were spares by it), the main class and the start's arguments. Best effort.
   */
  static void retitle(List<String> startArgs) {
    try {
      List<String> cmdline = DaemonCommandLine.started(); // (kept for the daemons this one spawns)
      String mainClass = DaemonCommandLine.mainClass();
      List<String> full = DaemonCommandLine.jvmPart(cmdline, mainClass, startArgs).stream()
          .filter(arg -> !arg.startsWith("-D" + WATCH_PROPERTY + "="))
          .toList();
      if (Processes.setCommandLine(full)) {
        return;
      }
      List<String> compact = new ArrayList<>();
      compact.add(full.getFirst());
      for (String arg : full.subList(1, full.indexOf(mainClass))) {
        if (arg.startsWith("-Ddev.shim4j.")) {
          compact.add(arg);
        }
      }
      compact.add(mainClass);
      compact.addAll(startArgs);
      if (!Processes.setCommandLine(compact)) {
        LOG.log(System.Logger.Level.DEBUG, "no room for the daemon's command line; it still reads prefork");
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot set the daemon's command line: " + e);
    }
  }

  /** A spare waits at nice 19, so that its warm-up yields to running work; adopted, at 0. */
  private static void setNiceAllThreads(int nice) {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          Processes.setNice(Integer.parseInt(task.getFileName().toString()), nice);
        } catch (SysException | NumberFormatException e) {
          // a thread that ended meanwhile, or no permission to raise priority: runs as it is
        }
      }
    } catch (IOException e) {
      // stays at the priority it had
    }
  }
}
