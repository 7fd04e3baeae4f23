package dev.shim4j.shim;

import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.SysException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A pre-started daemon, a "spare": a JVM that has paid its start-up before containerd asks, and
 * waits for a launcher's {@code start} to adopt it. A cold {@code start} costs a JVM's start-up and
 * warm-up (~170 ms of a {@code ctr run} on two cores); handed to a spare it costs the launcher's
 * few milliseconds. The distribution's launcher uses spares and starts one in the background,
 * when none is alive, after a start that made a new daemon: by default only when another start
 * did so recently (see its {@code prefork_demand}), after each with {@code SHIM4J_PREFORK=1}, never
 * with {@code SHIM4J_PREFORK=0}; and two while starts come faster than one spare boots (its
 * {@code prefork_wanted}). The price is one idle JVM per runtime and namespace, two after such a
 * burst.
 *
 * <p>Booted, the spare listens on a {@link StartSlot} in the {@value #PROPERTY} directory (one per
 * runtime and namespace). For a launcher's start in its own environment it opens the launcher's
 * stdin, stdout and stderr (/proc/PID/fd/3..5), says {@code ok}, runs the start as the launcher's
 * own JVM would have, answers containerd on the launcher's stdout, writes start's exit status on
 * the reply FIFO, and serves as that container's daemon; or, when start found the daemon of the
 * container's group already serving (a pod's or the node's shim), lets go of the launcher's stdio
 * and the bundle's log and waits for the next start, a spare as before.
 *
 * <p>A spare nobody adopts within {@value #IDLE_ENV} seconds (default 600) exits, and so does one
 * whose {@value #WATCH_PROPERTY} process is gone: the launcher names its own parent, containerd,
 * whose starts alone a spare can serve (a restarted containerd, or a private one that a test
 * stopped, has no use for it). It waits at nice 19 (the launcher starts it so) and is back at
 * nice 0 once adopted; a daemon then, it lives as long as its containers, like any other.
 */
final class Prefork {
  /** The directory of the spares of this runtime and namespace; set by the launcher. */
  static final String PROPERTY = "dev.shim4j.prefork";
  static final String ACTION = "prefork";
  static final String IDLE_ENV = "SHIM4J_PREFORK_IDLE_SECONDS";
  /** In the spares' directory: the pid of the spare booting, or of the launcher starting one. */
  static final String SPAWNING = "spawning";
  /** The pid of the process this spare is for (containerd); set by the launcher. */
  static final String WATCH_PROPERTY = "dev.shim4j.prefork.watch";
  private static final System.Logger LOG = ShimLogging.logger(Prefork.class);
  private static final Duration DEFAULT_IDLE = Duration.ofMinutes(10);
  /** How often an idle spare looks whether its watched process is still there. */
  private static final Duration WATCH_INTERVAL = Duration.ofSeconds(2);
  /** A spare's slot is {@code DIR/NAME/NAMESPACE/PID}: the directories it may leave empty. */
  private static final int SPARE_PARENTS = 2;

  private Prefork() {}

  static boolean requested(List<String> args) {
    return System.getProperty(PROPERTY) != null && args.equals(List.of(ACTION));
  }

  /** Runs as a spare until adopted (then as the adopting start would) or idle for too long. */
  static int serve(String runtimeId, Shim.Factory factory) {
    StartSlot slot = null;
    try {
      BooleanSupplier watched = watching(System.getProperty(WATCH_PROPERTY));
      if (!watched.getAsBoolean()) {
        return 0; // started for a containerd that is gone already
      }
      Path dir = Path.of(System.getProperty(PROPERTY));
      slot = StartSlot.reserve(dir, SPARE_PARENTS);
      releaseSpawning(dir);
      // Ready at once, warm-up or not: a start that comes meanwhile (the next of containers
      // started one after another) runs beside the warm-up threads, as a cold start does, and
      // is still a JVM's boot ahead of one.
      InProcessStart.prepareDaemon();
      slot.listen();
      StartSlot ready = slot;
      Duration idle = idleTimeout(System.getenv());
      Thread[] idleExit = {exitWhenUnused(ready, idle, watched)};
      return ready.serve(request -> {
        Optional<Adoption> adoption = adopt(request);
        if (adoption.isEmpty()) {
          ready.reply("no\n");
          return Optional.empty();
        }
        idleExit[0].interrupt();
        Outcome outcome = adoption.get().run(runtimeId, factory, ready);
        if (!outcome.stillSpare()) {
          return Optional.of(outcome.status());
        }
        // The start found its container's daemon already serving (a grouped shim): nothing here
        // became a daemon, so this spare waits for the next start, idle from now.
        idleExit[0] = exitWhenUnused(ready, idle, watched);
        return Optional.empty();
      });
    } catch (Exception e) {
      if (slot != null) {
        slot.remove();
      }
      return 1; // nobody to tell: a spare's stdio is /dev/null
    }
  }

  /**
   * The launcher that started this spare marked it booting ({@value #SPAWNING} holds its pid), so
   * that other launchers start no second one meanwhile; its slot now tells that it is here.
   */
  static void releaseSpawning(Path dir) {
    Path spawning = dir.resolve(SPAWNING);
    try {
      if (Files.readString(spawning).strip().equals(Long.toString(ProcessHandle.current().pid()))) {
        Files.deleteIfExists(spawning);
      }
    } catch (IOException e) {
      // none, or another launcher's: its holder's pid, once dead, makes it stale
    }
  }

  static Duration idleTimeout(Map<String, String> env) {
    try {
      String seconds = env.get(IDLE_ENV);
      return seconds == null ? DEFAULT_IDLE : Duration.ofSeconds(Long.parseLong(seconds.trim()));
    } catch (NumberFormatException e) {
      return DEFAULT_IDLE;
    }
  }

  /**
   * Whether the process named by {@code pid}, which this spare must not outlive, is still there
   * (its pid not taken by another since); always true when no process, or a malformed pid, is
   * named.
   */
  static BooleanSupplier watching(String pid) {
    if (pid == null || pid.isBlank()) {
      return () -> true;
    }
    try {
      Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(pid.trim()));
      return process.isPresent() ? process.get()::isAlive : () -> false;
    } catch (NumberFormatException e) {
      return () -> true;
    }
  }

  /** Whether {@code request} may be served here: its start, in this spare's environment. */
  private static Optional<Adoption> adopt(StartSlot.Request request) {
    try {
      if (!request.isStart() || !request.fromThisEnvironment()) {
        return Optional.empty();
      }
      InputStream in = new FileInputStream(request.launcherFd(3).toFile());
      return Optional.of(
          new Adoption(request, in, request.appendTo(4, false), request.appendTo(5, true)));
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /**
   * How an adoption ended: {@code stillSpare} when start answered with the address of a daemon
   * that already serves the container's group, so that this process is as unused as before.
   */
  record Outcome(int status, boolean stillSpare) {}

  /**
   * Gives an adopted spare the command line of the start it serves ({@code ... Main -namespace NS
   * -id ID ... start}, as a cold start's daemon has), not {@code ... prefork}: for ps, for
   * {@code pgrep -f ID}, for whoever looks for a container's shim by its id. The whole JVM command
   * line when the kernel lets us point at a new one; otherwise, written over the old line, only
   * what fits: the java binary, shim4j's own properties (the spare directory stays: tools find
   * daemons that were spares by it), the main class and the start's arguments. Best effort.
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

  /** A request this spare took: the launcher's stdio, opened; it waits on {@code reply}. */
  private record Adoption(
      StartSlot.Request request, InputStream in, PrintStream out, PrintStream err) {
    Outcome run(String runtimeId, Shim.Factory factory, StartSlot slot) throws IOException {
      OutputStream reply = slot.openReply();
      reply.write("ok\n".getBytes(StandardCharsets.US_ASCII));
      reply.flush();
      Replier replier = new Replier(reply);
      backToNormalPriority();
      try {
        Processes.chdir(request.cwd());
      } catch (SysException e) {
        // start resolves the bundle from the explicit -bundle below either way
      }
      List<String> args = request.startArgs();
      boolean[] becameDaemon = {false};
      Bootstrap bootstrap = new Bootstrap(runtimeId, factory, System.getenv(), in, out, err, () -> {
        becameDaemon[0] = true;
        // a daemon now, for as long as its container needs it: no launcher may find this slot,
        // nor take this process for a spare still booting
        slot.remove();
        releaseSpawning(slot.dir().getParent());
        replier.send(0);
        retitle(args);
      });
      int status = bootstrap.run(args);
      if (becameDaemon[0]) {
        return new Outcome(status, false);
      }
      // Back to how it waited: containerd reads the launcher's stdout to its end, which comes
      // only when no process holds it open any more; the log was that bundle's.
      letGo();
      ShimLogging.reset();
      try {
        Processes.chdir(Path.of("/"));
      } catch (SysException e) {
        // a spare in a removed directory still works: it resolves everything from absolute paths
      }
      if (status != 0) {
        // this process exits: a launcher must not find its slot meanwhile
        slot.remove();
      }
      replier.send(status);
      return new Outcome(status, status == 0);
    }

    private void letGo() {
      out.close();
      err.close();
      try {
        in.close();
      } catch (IOException e) {
        // closed either way
      }
    }
  }

  /** Tells the launcher once how its start ended; it exits with that status. */
  private static final class Replier {
    private final OutputStream reply;
    private boolean sent;

    Replier(OutputStream reply) {
      this.reply = reply;
    }

    synchronized void send(int status) {
      if (sent) {
        return;
      }
      sent = true;
      try (reply) {
        reply.write((status + "\n").getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        // the launcher is gone: containerd then has no answer either way
      }
    }
  }

  /** The launcher started this spare at nice 19 so that its warm-up yields to running work. */
  private static void backToNormalPriority() {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          Processes.setNice(Integer.parseInt(task.getFileName().toString()), 0);
        } catch (SysException | NumberFormatException e) {
          // a thread that ended meanwhile, or no permission to raise priority: runs as it is
        }
      }
    } catch (IOException e) {
      // stays at the priority it had
    }
  }

  /**
   * Exits after {@code idle}, or once {@code watched} is gone, unless adopted first. Claiming the
   * slot first (as a launcher would) makes a launcher that comes at the same moment find it taken
   * and start cold, instead of waiting for a spare that is about to exit.
   */
  private static Thread exitWhenUnused(StartSlot slot, Duration idle, BooleanSupplier watched) {
    return Thread.ofPlatform().daemon().name("prefork-idle").start(() -> {
      try {
        awaitUnused(idle, watched);
        Files.createFile(slot.dir().resolve("taken"));
      } catch (FileAlreadyExistsException e) {
        if (slot.fresh()) {
          return; // a launcher got there first
        }
        // a claim nobody followed up (its launcher died): this spare is stuck with it
      } catch (InterruptedException | IOException e) {
        return;
      }
      slot.remove();
      System.exit(0);
    });
  }

  /** Returns after {@code idle}, or as soon as {@code watched} is found gone. */
  static void awaitUnused(Duration idle, BooleanSupplier watched) throws InterruptedException {
    long deadline = System.nanoTime() + idle.toNanos();
    for (long left = idle.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      if (!watched.getAsBoolean()) {
        return;
      }
      Thread.sleep(Duration.ofNanos(Math.min(left, WATCH_INTERVAL.toNanos())));
    }
  }
}
