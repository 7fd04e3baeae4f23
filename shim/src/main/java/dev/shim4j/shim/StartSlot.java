package dev.shim4j.shim;

import dev.shim4j.sys.Fds;
import dev.shim4j.sys.Processes;
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
import java.nio.charset.StandardCharsets;
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

/**
 * A JVM's place in the hand-off by which the distribution's launcher gives its {@code start} to a
 * JVM that is already warm: a spare ({@link Prefork}) or a live daemon ({@link WarmStarts}). The
 * launcher's side is in dist's {@code launcher.bash}.
 *
 * <ol>
 *   <li>the JVM makes {@code DIR/PID/} with the FIFOs {@code request} and {@code reply};
 *   <li>a launcher claims it by creating {@code DIR/PID/taken} (O_EXCL) and writes to
 *       {@code request}, each NUL-terminated: its pid, its working directory, its argument count
 *       and its arguments (a {@link Request}); it keeps copies of its stdin, stdout and stderr as
 *       descriptors 3, 4 and 5 (bash points 0 and 1 elsewhere while a builtin redirects);
 *   <li>the JVM answers on {@code reply}: {@code no} (the launcher starts cold), or {@code ok}
 *       and then the exit status of the start it ran for the launcher;
 *   <li>once the launcher has let go of the request FIFO, the JVM removes the claim.
 * </ol>
 *
 * <p>A launcher waits 2 s for a reply and then starts cold; so a claim older than 1.5 s when the
 * JVM takes it up is answered {@code no}, lest two starts run for one container.
 */
final class StartSlot {
  /** How old a launcher's claim may be when it is taken up (the launcher waits 2 s). */
  private static final Duration CLAIM_FRESH = Duration.ofMillis(1500);
  /** A claim this old without its request was left by a launcher that died. */
  static final Duration STALE_CLAIM = Duration.ofSeconds(10);
  /** Variables bash sets for what it runs: they differ between the launcher and this JVM. */
  private static final Set<String> SHELL_VARIABLES = Set.of("_", "SHLVL", "PWD", "OLDPWD");

  private final Path dir;
  private final int parents;
  /** True from the moment a launcher opened the request FIFO until its claim was released. */
  private final AtomicBoolean serving = new AtomicBoolean();

  private StartSlot(Path dir, int parents) {
    this.dir = dir;
    this.parents = parents;
  }

  /**
   * Makes this process's slot directory in {@code where}, its parents owner-only; launchers do not
   * use it before {@link #listen}. {@code parents}: how many directories above the slot its
   * removal takes along when it leaves them empty.
   */
  static StartSlot reserve(Path where, int parents) throws IOException {
    StartSlot slot = new StartSlot(where.resolve(Integer.toString(Processes.getpid())), parents);
    removeQuietly(slot.dir); // a dead process's slot with this pid
    makeDirectory(slot.dir);
    return slot;
  }

  Path dir() {
    return dir;
  }

  /** Ready for launchers: the FIFOs, and the watch that releases stale claims. */
  void listen() throws IOException {
    Fds.mkfifo(dir.resolve("request"), 0600);
    Fds.mkfifo(dir.resolve("reply"), 0600);
    releaseStaleClaims(dir, serving, STALE_CLAIM);
  }

  /** What the slot's owner makes of one launcher's request; a value ends {@link #serve}. */
  interface Handler<T> {
    /** Replies to {@code request} (see {@link #reply}); empty to go on serving launchers. */
    Optional<T> handle(Request request) throws IOException;
  }

  /**
   * Serves launchers one at a time until {@code handler} returns a value. A claim its launcher has
   * given up on gets {@code no}; one without a whole request gets nothing.
   */
  <T> T serve(Handler<T> handler) throws IOException {
    while (true) {
      try (RequestFifo fifo = RequestFifo.open(dir.resolve("request"))) {
        serving.set(true);
        Optional<Request> request = fifo.read();
        if (request.isPresent() && !fresh()) {
          reply("no\n");
        } else if (request.isPresent()) {
          Optional<T> done = handler.handle(request.get());
          if (done.isPresent()) {
            return done.get();
          }
        }
      } // (closing waits until the launcher let go of the FIFO: only then may the next claim)
      Files.deleteIfExists(dir.resolve("taken"));
      serving.set(false);
    }
  }

  /** Writes {@code text} on the reply FIFO. */
  void reply(String text) throws IOException {
    try (OutputStream reply = openReply()) {
      reply.write(text.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /**
   * The reply FIFO, opened read-write: that never waits for a reader, so a launcher that died
   * cannot hang this JVM (Linux semantics; the launcher opens it read-write too).
   */
  OutputStream openReply() throws IOException {
    RandomAccessFile fifo = new RandomAccessFile(dir.resolve("reply").toFile(), "rw");
    return new FileOutputStream(fifo.getFD()) {
      @Override
      public void close() throws IOException {
        fifo.close();
      }
    };
  }

  /**
   * Whether the claim is recent enough that its launcher still waits: it gives up after 2 s and
   * starts cold, and a JVM that answered it then would run a second start beside that one.
   */
  boolean fresh() {
    try {
      Instant claimed = Files.getLastModifiedTime(dir.resolve("taken")).toInstant();
      return Duration.between(claimed, Instant.now()).compareTo(CLAIM_FRESH) < 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Removes the slot and the directories above it that it leaves empty. */
  void remove() {
    removeQuietly(dir, parents);
  }

  /**
   * Releases a claim whose launcher never sent its request (killed between claiming and writing;
   * it writes right after it claims): else the slot would stay taken, and every start cold, for
   * the spare's or daemon's whole life. {@code serving} is true from the moment a launcher opened
   * the request FIFO until its claim was released. Ends when the slot is gone.
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
        // nothing to watch any more
      }
    });
  }

  /** Makes {@code slot}; again if a departing slot removed an empty parent on the way. */
  static void makeDirectory(Path slot) throws IOException {
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

    /** Whether the launcher runs a {@code start}, in a bundle. */
    boolean isStart() {
      return !args.isEmpty() && args.getLast().equals(Flags.ACTION_START) && cwd.isAbsolute();
    }

    /**
     * Whether the launcher runs in this JVM's environment (containerd's): a daemon started here
     * gets this JVM's environment, not the launcher's.
     */
    boolean fromThisEnvironment() throws IOException {
      return sameEnvironment(environ(launcher().resolve("environ")), System.getenv());
    }

    /**
     * The start's arguments for a JVM other than the launcher's: {@code -bundle} (by default the
     * working directory, which is another one here) and then the launcher's.
     */
    List<String> startArgs() {
      List<String> all = new ArrayList<>(List.of("-bundle", cwd.toString()));
      all.addAll(args);
      return all;
    }

    /** The launcher's copy of its stdin (3), stdout (4) or stderr (5), to open. */
    Path launcherFd(int fd) {
      return launcher().resolve("fd").resolve(Integer.toString(fd));
    }

    /**
     * The launcher's stdout (4) or stderr (5), appended to: a launcher's stdout may be a regular
     * file, which opening would otherwise cut.
     */
    PrintStream appendTo(int fd, boolean autoFlush) throws IOException {
      return new PrintStream(new FileOutputStream(launcherFd(fd).toFile(), true), autoFlush,
          StandardCharsets.UTF_8);
    }

    private Path launcher() {
      return Path.of("/proc", Integer.toString(pid));
    }
  }

  /**
   * Whether the launcher runs in the environment this JVM was started with: containerd's, for the
   * same namespace. What bash itself sets differs, and the launcher exports MALLOC_ARENA_MAX (2
   * unless containerd set it).
   */
  static boolean sameEnvironment(Map<String, String> launcher, Map<String, String> own) {
    Map<String, String> a = new HashMap<>(launcher);
    a.putIfAbsent("MALLOC_ARENA_MAX", "2");
    Map<String, String> b = new HashMap<>(own);
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
}
