package dev.shim4j.shim.internal;

import dev.shim4j.shim.Shim;
import dev.shim4j.shim.log.ShimLogging;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
 * <p>The daemon listens on {@code daemon.PID} in its {@link PoolDir} ({@link StartResponder}) a
 * second after it started serving (off its first container's critical path), unless
 * {@value #ENV}=0. It decides before it answers: a start from another environment, or one it
 * cannot do here, is declined (the launcher tries the next or starts cold); otherwise it takes
 * the start and replies with the answer. Starts are answered concurrently: each is the start's
 * own idempotent work, and {@link Daemon#spawn} binds each group's socket once. A start for which
 * it spawned a new daemon counts as one for the pool's policy ({@link SparePool}).
 */
final class WarmStarts {
  static final String ENV = "SHIM4J_WARM_STARTS";
  /** Keeps registering off the path of the daemon's own first container (its Create follows). */
  private static final Duration DELAY = Duration.ofSeconds(1);
  private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

  private static boolean started;

  private WarmStarts() {}

  /** Starts answering in the background when the launcher named a pool; once per process. */
  static synchronized void startIfConfigured(String runtimeId, Shim.Factory factory) {
    if (System.getProperty(PoolDir.PROPERTY) == null || "0".equals(System.getenv(ENV)) || started) {
      return;
    }
    started = true;
    Thread.ofPlatform().daemon().name("warm-starts").start(() -> serve(runtimeId, factory));
  }

  private static void serve(String runtimeId, Shim.Factory factory) {
    try {
      Thread.sleep(DELAY);
      Optional<PoolDir> pool = PoolDir.configured();
      if (pool.isEmpty()) {
        return;
      }
      StartResponder responder = StartResponder.bind(pool.get().socket("daemon", ProcessHandle.current().pid()));
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(responder::close));
      responder.serve(exchange -> {
        Optional<Answered> answered = answer(runtimeId, factory, exchange.request());
        if (answered.isEmpty()) {
          exchange.decline();
          return;
        }
        exchange.take();
        exchange.reply(0, answered.get().answer().getBytes(StandardCharsets.UTF_8), new byte[0]);
        if (answered.get().spawned()) {
          SparePool.configured().ifPresent(spares -> {
            try {
              spares.afterNewDaemon(false);
            } catch (Exception e) {
              ShimLogging.logger(WarmStarts.class).log(System.Logger.Level.WARNING,
                  "cannot start a spare: " + Bootstrap.describe(e));
            }
          });
        }
      });
    } catch (InterruptedException | IOException | RuntimeException e) {
      ShimLogging.logger(WarmStarts.class).log(System.Logger.Level.WARNING,
          "answers no launcher's start: " + Bootstrap.describe(e));
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

  /** A start answered for a launcher: the answer, and whether a new daemon was spawned for it. */
  record Answered(String answer, boolean spawned) {}

  /** Answers {@code request}; empty when the launcher must go on (another responder, or cold). */
  static Optional<Answered> answer(String runtimeId, Shim.Factory factory, StartWire.Request request) {
    if (!request.isStart()) {
      return Optional.empty();
    }
    if (!request.sameEnvironmentAs(System.getenv())) {
      // its daemon would get this environment, not containerd's of the moment
      ShimLogging.logger(WarmStarts.class).log(System.Logger.Level.DEBUG,
          "left a start to a cold start: its launcher runs in another environment");
      return Optional.empty();
    }
    List<String> args = request.startArgs();
    AtomicBoolean spawned = new AtomicBoolean();
    Optional<String> answer = new Bootstrap(runtimeId, factory, System.getenv(),
        new ByteArrayInputStream(request.stdin()), NOWHERE, NOWHERE)
        .answerForLauncher(args, new Daemon.ForLauncher(daemonArgv(args), () -> spawned.set(true)));
    return answer.map(text -> new Answered(text, spawned.get()));
  }
}
