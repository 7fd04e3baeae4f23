package dev.shim4j.shim;

import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.SysException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A pre-started daemon, a "spare": a JVM that has paid its start-up before containerd asks, and
 * waits for a launcher's {@code start} to adopt it. A cold {@code start} costs a JVM's start-up and
 * warm-up (~170 ms of a {@code ctr run} on two cores); handed to a spare it costs the launcher's
 * few milliseconds. Opt-in: the distribution's launcher uses spares, and starts one in the
 * background when none is alive, when containerd's environment has {@code SHIM4J_PREFORK=1}. The
 * price is one idle JVM per runtime and namespace.
 *
 * <p>The hand-off (the launcher's side is in dist's {@code launcher.bash}):
 *
 * <ol>
 *   <li>warm, the spare makes {@code DIR/PID/} with the FIFOs {@code request} and {@code reply},
 *       DIR being the {@value #PROPERTY} property (one directory per runtime and namespace);
 *   <li>a launcher claims it by creating {@code DIR/PID/taken} (O_EXCL) and writes to
 *       {@code request}, each NUL-terminated: its pid, its working directory, its argument count
 *       and its arguments;
 *   <li>the spare checks that the launcher runs in its own environment (containerd's, read from
 *       /proc/PID/environ) and opens the launcher's stdin, stdout and stderr through the copies the
 *       launcher keeps of them as descriptors 3, 4 and 5 (/proc/PID/fd/3..5: bash points 0 and 1
 *       elsewhere while a builtin redirects), then says {@code ok} on {@code reply}, or {@code no}
 *       (the launcher starts cold);
 *   <li>the spare runs the launcher's {@code start} as the launcher's own JVM would have, answers
 *       containerd on the launcher's stdout, writes start's exit status on {@code reply}, and
 *       serves as that container's daemon; or, when start found the daemon of the container's
 *       group already serving (a pod's or the node's shim), lets go of the launcher's stdio and
 *       the bundle's log and waits for the next start, a spare as before.
 * </ol>
 *
 * <p>A launcher waits 2 s for {@code ok} and then starts cold; so a claim older than 1.5 s when the
 * spare takes it up is answered {@code no}, lest two starts run for one container. A spare nobody
 * adopts within {@value #IDLE_ENV} seconds (default 600) exits. It waits at nice
 * 19 (the launcher starts it so) and is back at nice 0 once adopted.
 */
final class Prefork {
  /** The directory of the spares of this runtime and namespace; set by the launcher. */
  static final String PROPERTY = "dev.shim4j.prefork";
  static final String ACTION = "prefork";
  static final String IDLE_ENV = "SHIM4J_PREFORK_IDLE_SECONDS";
  private static final Duration DEFAULT_IDLE = Duration.ofMinutes(10);
  /** How old a launcher's claim may be when the spare takes it up (the launcher waits 2 s). */
  private static final Duration CLAIM_FRESH = Duration.ofMillis(1500);
  /** A claim this old without its request was left by a launcher that died (see below). */
  static final Duration STALE_CLAIM = Duration.ofSeconds(10);
  /** Variables bash sets for what it runs: they differ between the launcher and the spare. */
  private static final Set<String> SHELL_VARIABLES = Set.of("_", "SHLVL", "PWD", "OLDPWD");
  /** A spare's slot is {@code DIR/NAME/NAMESPACE/PID}: the directories it may leave empty. */
  private static final int SPARE_PARENTS = 2;

  private Prefork() {}

  static boolean requested(List<String> args) {
    return System.getProperty(PROPERTY) != null && args.equals(List.of(ACTION));
  }

  /** Runs as a spare until adopted (then as the adopting start would) or idle for too long. */
  static int serve(String runtimeId, Shim.Factory factory) {
    Path slot = Path.of(System.getProperty(PROPERTY)).resolve(Integer.toString(Processes.getpid()));
    try {
      makeSlot(slot);
      for (Thread warmup : InProcessStart.prepareDaemon()) {
        warmup.join();
      }
      Fds.mkfifo(slot.resolve("request"), 0600);
      Fds.mkfifo(slot.resolve("reply"), 0600);
      Duration idle = idleTimeout(System.getenv());
      Thread idleExit = exitWhenIdle(slot, idle);
      AtomicBoolean serving = new AtomicBoolean();
      releaseStaleClaims(slot, serving, STALE_CLAIM);
      while (true) {
        try (RequestFifo fifo = RequestFifo.open(slot.resolve("request"))) {
          serving.set(true);
          Optional<Request> request = fifo.read(); // empty: a launcher left without a whole request
          Optional<Adoption> adoption =
              request.isPresent() && fresh(slot) ? adopt(request.get()) : Optional.empty();
          if (adoption.isEmpty()) {
            if (request.isPresent()) {
              try (OutputStream reply = openReply(slot)) {
                reply.write("no\n".getBytes(StandardCharsets.US_ASCII));
              }
            }
          } else {
            idleExit.interrupt();
            Outcome outcome = adoption.get().run(runtimeId, factory, slot);
            if (!outcome.stillSpare()) {
              return outcome.status();
            }
            // The start found its container's daemon already serving (a grouped shim): nothing
            // here became a daemon, so this spare waits for the next start, idle from now.
            idleExit = exitWhenIdle(slot, idle);
          }
        } // (closing waits until the launcher let go of the FIFO: only then may the next claim)
        Files.deleteIfExists(slot.resolve("taken"));
        serving.set(false);
      }
    } catch (Exception e) {
      removeQuietly(slot, SPARE_PARENTS);
      return 1; // nobody to tell: a spare's stdio is /dev/null
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
   * Releases a claim whose launcher never sent its request (killed between claiming and writing;
   * it writes right after it claims): else the slot would stay taken, and every start cold, for
   * the spare's or daemon's whole life. {@code serving} is true from the moment a launcher opened
   * the request FIFO until its claim was released.
   */
  static Thread releaseStaleClaims(Path slot, AtomicBoolean serving, Duration stale) {
    return Thread.ofVirtual().name("stale-claims").start(() -> {
      Path taken = slot.resolve("taken");
      try {
        while (true) {
          Thread.sleep(stale.dividedBy(2));
          if (!Files.isDirectory(slot)) {
            return; // adopted, exited or failed: nothing to watch any more
          }
          try {
            Instant claimed = Files.getLastModifiedTime(taken).toInstant();
            if (!serving.get() && Duration.between(claimed, Instant.now()).compareTo(stale) > 0) {
              Files.deleteIfExists(taken);
            }
          } catch (NoSuchFileException e) {
            // not claimed
          } catch (IOException e) {
            // looked at again next time
          }
        }
      } catch (InterruptedException e) {
        // the slot is gone
      }
    });
  }

  /**
   * A slot's request FIFO, opened for one launcher. Closing it waits until that launcher has let
   * go of the FIFO (end-of-file): a claim is released only then, so that the next launcher's
   * request can never be mistaken for the end of this one's.
   */
  static final class RequestFifo implements Closeable {
    private final InputStream in;

    private RequestFifo(InputStream in) {
      this.in = in;
    }

    /** Blocks until a launcher opens the FIFO. */
    static RequestFifo open(Path fifo) throws IOException {
      return new RequestFifo(new BufferedInputStream(new FileInputStream(fifo.toFile())));
    }

    /**
     * The launcher's request; empty when it left before a whole one. The launcher keeps the FIFO
     * open while it waits for the reply, so this parses rather than reads to end-of-file.
     */
    Optional<Request> read() throws IOException {
      List<String> fields = new ArrayList<>();
      ByteArrayOutputStream field = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        if (b != 0) {
          field.write(b);
          continue;
        }
        fields.add(field.toString(StandardCharsets.UTF_8));
        field.reset();
        Optional<Request> request;
        try {
          request = Request.parse(fields);
        } catch (IOException e) {
          return Optional.empty();
        }
        if (request.isPresent()) {
          return request;
        }
      }
      return Optional.empty();
    }

    @Override
    public void close() throws IOException {
      try (in) {
        while (in.read() >= 0) {
          // whatever else it wrote; ends when the launcher closes its end (or exits)
        }
      }
    }
  }

  /** The launcher's request as it wrote it: pid, working directory, argument count, arguments. */
  record Request(int pid, Path cwd, List<String> args) {
    /** The request, once {@code fields} holds all of it. */
    static Optional<Request> parse(List<String> fields) throws IOException {
      if (fields.size() < 3) {
        return Optional.empty();
      }
      try {
        int count = Integer.parseInt(fields.get(2));
        if (fields.size() < 3 + count) {
          return Optional.empty();
        }
        return Optional.of(new Request(Integer.parseInt(fields.get(0)), Path.of(fields.get(1)),
            List.copyOf(fields.subList(3, 3 + count))));
      } catch (NumberFormatException e) {
        throw new IOException("malformed request " + fields, e);
      }
    }
  }

  /**
   * Whether the claim is recent enough that its launcher still waits: it gives up after 2 s and
   * starts cold, and a spare that answered it then would run a second start beside that one.
   */
  static boolean fresh(Path slot) {
    try {
      Instant claimed = Files.getLastModifiedTime(slot.resolve("taken")).toInstant();
      return Duration.between(claimed, Instant.now()).compareTo(CLAIM_FRESH) < 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether {@code request} may be served here: its start, in this spare's environment. */
  private static Optional<Adoption> adopt(Request request) {
    if (request.args().isEmpty() || !request.args().getLast().equals(Flags.ACTION_START)
        || !request.cwd().isAbsolute()) {
      return Optional.empty();
    }
    Path proc = Path.of("/proc", Integer.toString(request.pid()));
    try {
      if (!sameEnvironment(environ(proc.resolve("environ")), System.getenv())) {
        return Optional.empty();
      }
      // Appending: a launcher's stdout may be a regular file, which opening would otherwise cut.
      InputStream in = new FileInputStream(proc.resolve("fd/3").toFile());
      PrintStream out = new PrintStream(new FileOutputStream(proc.resolve("fd/4").toFile(), true),
          false, StandardCharsets.UTF_8);
      PrintStream err = new PrintStream(new FileOutputStream(proc.resolve("fd/5").toFile(), true),
          true, StandardCharsets.UTF_8);
      return Optional.of(new Adoption(request, in, out, err));
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether the launcher runs in the environment this spare was started with: containerd's, for
   * the same namespace. What bash itself sets differs, and the launcher exports
   * MALLOC_ARENA_MAX (2 unless containerd set it).
   */
  static boolean sameEnvironment(Map<String, String> launcher, Map<String, String> spare) {
    Map<String, String> a = new HashMap<>(launcher);
    a.putIfAbsent("MALLOC_ARENA_MAX", "2");
    Map<String, String> b = new HashMap<>(spare);
    a.keySet().removeAll(SHELL_VARIABLES);
    b.keySet().removeAll(SHELL_VARIABLES);
    return a.equals(b);
  }

  static Map<String, String> environ(Path file) throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String entry : DaemonCommandLine.split(Files.readAllBytes(file))) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    return env;
  }

  /**
   * How an adoption ended: {@code stillSpare} when start answered with the address of a daemon
   * that already serves the container's group, so that this process is as unused as before.
   */
  record Outcome(int status, boolean stillSpare) {}

  /** A request this spare took: the launcher's stdio, opened; it waits on {@code reply}. */
  private record Adoption(Request request, InputStream in, PrintStream out, PrintStream err) {
    Outcome run(String runtimeId, Shim.Factory factory, Path slot) throws IOException {
      OutputStream reply = openReply(slot);
      reply.write("ok\n".getBytes(StandardCharsets.US_ASCII));
      reply.flush();
      Replier replier = new Replier(reply);
      backToNormalPriority();
      try {
        Processes.chdir(request.cwd());
      } catch (SysException e) {
        // start resolves the bundle from the explicit -bundle below either way
      }
      // -bundle defaults to the working directory, which the JVM fixed when this spare started.
      List<String> args = new ArrayList<>(List.of("-bundle", request.cwd().toString()));
      args.addAll(request.args());
      boolean[] becameDaemon = {false};
      Bootstrap bootstrap = new Bootstrap(runtimeId, factory, System.getenv(), in, out, err, () -> {
        becameDaemon[0] = true;
        // a daemon now, for as long as its container needs it: no launcher may find this slot
        removeQuietly(slot, SPARE_PARENTS);
        replier.send(0);
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
        removeQuietly(slot, SPARE_PARENTS);
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

  /**
   * The reply FIFO, opened read-write: that never waits for a reader, so a launcher that died
   * cannot hang the spare (Linux semantics; the launcher opens it read-write too).
   */
  static OutputStream openReply(Path slot) throws IOException {
    RandomAccessFile fifo = new RandomAccessFile(slot.resolve("reply").toFile(), "rw");
    return new FileOutputStream(fifo.getFD()) {
      @Override
      public void close() throws IOException {
        fifo.close();
      }
    };
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
   * Exits after {@code idle} unless adopted. Claiming the slot first (as a launcher would) makes a
   * launcher that comes at the same moment find it taken and start cold, instead of waiting for
   * a spare that is about to exit.
   */
  private static Thread exitWhenIdle(Path slot, Duration idle) {
    return Thread.ofPlatform().daemon().name("prefork-idle").start(() -> {
      try {
        Thread.sleep(idle);
        Files.createFile(slot.resolve("taken"));
      } catch (FileAlreadyExistsException e) {
        if (fresh(slot)) {
          return; // a launcher got there first
        }
        // a claim nobody followed up (its launcher died): this spare is stuck with it
      } catch (InterruptedException | IOException e) {
        return;
      }
      removeQuietly(slot, SPARE_PARENTS);
      System.exit(0);
    });
  }

  /**
   * Makes the slot's directory, its parents owner-only; again if a departing slot removed an
   * empty parent on the way (see {@link #removeQuietly(Path, int)}).
   */
  static void makeSlot(Path slot) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Files.createDirectories(slot.getParent(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      try {
        Files.createDirectory(slot);
        return;
      } catch (NoSuchFileException e) {
        if (attempt > 0) {
          throw e;
        }
      }
    }
  }

  /**
   * Removes the slot, then up to {@code parents} of the directories above it that it leaves
   * empty: a runtime or namespace that no spare or daemon serves any more leaves nothing behind.
   */
  static void removeQuietly(Path slot, int parents) {
    removeQuietly(slot);
    Path dir = slot.getParent();
    for (int i = 0; i < parents && dir != null; i++, dir = dir.getParent()) {
      try {
        Files.delete(dir);
      } catch (IOException e) {
        return; // not empty (or gone): the rest above is in use
      }
    }
  }

  /** Removes the slot (the launcher's copy of stdin too, should one be left). */
  static void removeQuietly(Path slot) {
    for (String name : List.of("request", "reply", "taken", "stdin")) {
      try {
        Files.deleteIfExists(slot.resolve(name));
      } catch (IOException e) {
        // best effort: a launcher skips a slot whose pid is gone
      }
    }
    try {
      Files.deleteIfExists(slot);
    } catch (IOException e) {
      // as above
    }
  }
}
