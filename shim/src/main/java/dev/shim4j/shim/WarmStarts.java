package dev.shim4j.shim;

import dev.shim4j.shim.log.ShimLogging;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A live daemon answers other launchers' {@code start}s, so that no JVM has to start just to
 * answer one. A start whose group already has a daemon (a pod's next container, every container
 * after the first of a node-wide shim) gets that daemon's address; a start that needs a new
 * daemon gets one spawned the way Go's shim spawns its own (the listening socket handed to a new
 * JVM as its stdin; containerd's first call waits in its backlog until that JVM serves). Both
 * take milliseconds here, against a cold JVM's ~0.15 s before it can answer. The daemon runs the
 * start's own {@link Shim#startShim} with {@link Daemon#FOR_LAUNCHER} bound.
 *
 * <p>The hand-off is a spare's (a {@link StartSlot}): the launcher passes {@value #PROPERTY}, a
 * daemon listens on its slot there a second after it started serving (off its first container's
 * critical path), and a launcher that found no spare claims one. Unlike a spare, the daemon
 * decides before it touches the launcher's stdout: {@code no} (another environment, or anything
 * that went wrong: the launcher then starts cold), or the answer printed and closed, then
 * {@code ok} and status 0, followed by {@code " new"} when a daemon was spawned for it (the
 * launcher may then start a spare: see {@link Prefork}). It reads the launcher's stdin on the
 * way, so the launcher hands it a copy in a file (or /dev/null) that the cold start can read again.
 */
final class WarmStarts {
  /** The directory of this runtime's and namespace's daemon slots; set by the launcher. */
  static final String PROPERTY = "dev.shim4j.warm-starts";
  /** Keeps registering off the path of the daemon's own first container (its Create follows). */
  private static final Duration DELAY = Duration.ofSeconds(1);
  /** A daemon's slot is {@code DIR/NAME/NAMESPACE/daemons/PID}: the directories it may leave empty. */
  private static final int SLOT_PARENTS = 3;
  /** containerd writes an options Any or BootstrapParams: a few hundred bytes, not this. */
  private static final long MAX_STDIN = 1 << 20;
  private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

  private static boolean started;

  private WarmStarts() {}

  /** Starts answering in the background when the launcher asked for it; once per process. */
  static synchronized void startIfConfigured(String runtimeId, Shim.Factory factory) {
    String dir = System.getProperty(PROPERTY);
    if (dir == null || dir.isEmpty() || started) {
      return;
    }
    started = true;
    Path slots = Path.of(dir);
    Thread.ofPlatform().daemon().name("warm-starts").start(() -> serve(runtimeId, factory, slots));
  }

  private static void serve(String runtimeId, Shim.Factory factory, Path dir) {
    StartSlot slot = null;
    try {
      Thread.sleep(DELAY);
      slot = StartSlot.reserve(dir, SLOT_PARENTS);
      StartSlot listening = slot;
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(listening::remove));
      listening.listen();
      listening.serve(request -> {
        Optional<Answered> answered = answer(runtimeId, factory, request);
        listening.reply(answered.map(Answered::reply).orElse("no\n"));
        return Optional.empty(); // for as long as this daemon lives
      });
    } catch (InterruptedException | IOException | RuntimeException e) {
      // Launchers skip a missing slot: this daemon answers no start from now on.
      if (slot != null) {
        slot.remove();
      }
    }
  }

  /** The command line of a new daemon for {@code startArgs}; empty when it cannot be told. */
  private static Optional<List<String>> daemonArgv(List<String> startArgs) {
    try {
      return Optional.of(DaemonCommandLine.forStart(startArgs));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * A start answered for a launcher: its exit status (0, or 1 when the answer could not be written
   * whole), and whether a new daemon was spawned for it.
   */
  record Answered(int status, boolean spawned) {
    /** What the launcher reads on the reply FIFO: {@code ok}, then the status and {@code new}. */
    String reply() {
      return "ok\n" + status + (spawned ? " new" : "") + "\n";
    }
  }

  /** Answers {@code request} on its launcher's stdout; empty when the launcher must start cold. */
  static Optional<Answered> answer(String runtimeId, Shim.Factory factory, StartSlot.Request request) {
    if (!request.isStart()) {
      return Optional.empty();
    }
    Optional<String> answer;
    AtomicBoolean spawned = new AtomicBoolean();
    try {
      if (!request.fromThisEnvironment()) {
        // its daemon would get this environment, not containerd's of the moment
        ShimLogging.logger(WarmStarts.class).log(System.Logger.Level.DEBUG,
            "left a start to a cold start: its launcher runs in another environment");
        return Optional.empty();
      }
      List<String> args = request.startArgs();
      // The launcher hands a copy of start's stdin in a file, or /dev/null: never a pipe this
      // could wait on (its own stdin it keeps for the cold start).
      Path stdin = request.launcherFd(3);
      if (!Files.isRegularFile(stdin) && !Files.readSymbolicLink(stdin).equals(Path.of("/dev/null"))
          || Files.isRegularFile(stdin) && Files.size(stdin) > MAX_STDIN) {
        return Optional.empty();
      }
      answer = new Bootstrap(runtimeId, factory, System.getenv(),
          new ByteArrayInputStream(Files.readAllBytes(stdin)), NOWHERE, NOWHERE)
          .answerForLauncher(args, new Daemon.ForLauncher(daemonArgv(args), () -> spawned.set(true)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    if (answer.isEmpty()) {
      return Optional.empty();
    }
    try (PrintStream out = request.appendTo(4, false)) {
      out.print(answer.get());
      out.flush();
      return Optional.of(new Answered(out.checkError() ? 1 : 0, spawned.get()));
    } catch (IOException e) {
      return Optional.empty(); // nothing was written: the cold start answers
    }
  }
}
