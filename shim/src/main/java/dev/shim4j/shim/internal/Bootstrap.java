package dev.shim4j.shim.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.shim4j.api.bootstrap.v1.BootstrapParams;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.shim.Config;
import dev.shim4j.shim.DeleteOpts;
import dev.shim4j.shim.Flags;
import dev.shim4j.shim.InfoOpts;
import dev.shim4j.shim.Shim;
import dev.shim4j.shim.ShimContext;
import dev.shim4j.shim.StartOpts;
import dev.shim4j.shim.bundle.BundleFiles;
import dev.shim4j.shim.log.ShimLogging;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of a shim binary: flags, then {@code start}, {@code delete} or serve. Returns the exit
 * status instead of exiting, so that tests can drive it; {@link Shim#run} exits with it.
 *
 * <p>stdout is protocol in {@code start} and {@code delete}: only the answer is written there.
 * Errors are one line on stderr and status 1.
 */
public final class Bootstrap {
  /** containerd writes stdin and closes it at once; a terminal (manual runs) is not read. */
  private static final Duration STDIN_DEADLINE = Duration.ofSeconds(5);

  private final String runtimeId;
  private final Shim.Factory factory;
  private final Map<String, String> env;
  private final InputStream stdin;
  private final PrintStream stdout;
  private final PrintStream stderr;
  /** Runs once an in-process start has let go of stdio: containerd has its answer. */
  private final Runnable onAnswered;
  /** Whether a spare runs this start (see {@link Prefork}), rather than a cold JVM. */
  private final boolean bySpare;

  Bootstrap(String runtimeId, Shim.Factory factory, Map<String, String> env,
      InputStream stdin, PrintStream stdout, PrintStream stderr) {
    this(runtimeId, factory, env, stdin, stdout, stderr, () -> {}, false);
  }

  Bootstrap(String runtimeId, Shim.Factory factory, Map<String, String> env,
      InputStream stdin, PrintStream stdout, PrintStream stderr, Runnable onAnswered, boolean bySpare) {
    this.runtimeId = runtimeId;
    this.factory = factory;
    this.env = env;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.onAnswered = onAnswered;
    this.bySpare = bySpare;
  }

  /**
   * The real process streams, with stderr kept for the bootstrap's own one-line errors and
   * everything else that would write there diverted (see {@link StderrDiversion}); logs go to the
   * bundle's log.
   */
  static Bootstrap standard(String runtimeId, Shim.Factory factory) {
    PrintStream realErr = StderrDiversion.divert();
    return new Bootstrap(runtimeId, factory, System.getenv(), System.in, System.out, realErr);
  }

  /**
   * Runs the shim binary with the real process streams and environment (what {@link Shim#run}
   * does before it exits).
   *
   * @param runtimeId the runtime name containerd knows the shim by
   * @param args the arguments of {@code main}
   * @param factory creates the shim
   * @return the exit status of the action
   */
  public static int runMain(String runtimeId, List<String> args, Shim.Factory factory) {
    return standard(runtimeId, factory).run(args);
  }

  int run(List<String> args) {
    if (Prefork.requested(args)) {
      return Prefork.serve(runtimeId, factory);
    }
    Flags flags;
    try {
      flags = Flags.parse(args, env);
    } catch (Flags.UsageException e) {
      return fail(e.getMessage());
    }
    if (flags.version()) {
      printVersion();
      return 0;
    }
    if (flags.info()) {
      return info(flags);
    }
    if (!flags.action().equals(Flags.ACTION_DELETE) && InProcessStart.enabled()) {
      // a start that becomes the daemon, or a daemon a live one spawned (see WarmStarts): its
      // first call comes at once, containerd having connected to the socket it was handed
      InProcessStart.prepareDaemon();
    }
    return perform(flags, null);
  }

  /**
   * Creates the shim for {@code flags} and performs its action. {@code boundListener} is the
   * socket an in-process start bound for the daemon it becomes (null otherwise).
   */
  private int perform(Flags flags, ServerSocketChannel boundListener) {
    Config config = new Config();
    LazyPublisher publisher = new LazyPublisher(flags);
    Shim shim;
    try {
      shim = factory.create(new ShimContext(runtimeId, flags.id(), flags.namespace(), flags, publisher, config));
    } catch (Exception e) {
      if (boundListener != null) {
        // stdio is gone by now: the log is where this can still be read
        ShimLogging.logger("dev.shim4j.shim").log(Level.ERROR, "cannot create the shim: " + describe(e), e);
        closeQuietly(boundListener);
      }
      return fail("cannot create the shim: " + describe(e));
    }
    return switch (flags.action()) {
      case Flags.ACTION_START -> start(flags, config, shim);
      case Flags.ACTION_DELETE -> delete(flags, config, shim);
      default -> {
        WarmStarts.startIfConfigured(runtimeId, factory);
        yield new ShimServer(runtimeId, flags, config, shim, publisher, boundListener).serve();
      }
    };
  }

  private int start(Flags flags, Config config, Shim shim) {
    try {
      setUpLogging(flags, config);
      StartInput input = StartInput.parse(readStdin(), flags.id(), flags.namespace());
      StartOpts opts = startOpts(flags, input);
      String address = shim.startShim(opts);
      String answer = StartAnswer.format(address, flags.maxShimVersion(), input.params().isPresent());
      // containerd's log then shows which bootstrap answer (and so which task API) it got
      ShimLogging.logger("dev.shim4j.shim").log(Level.INFO, "start answered " + answer);
      stdout.print(answer);
      stdout.flush();
    } catch (Exception e) {
      InProcessStart.take().ifPresent(Bootstrap::closeQuietly);
      return fail("start failed: " + describe(e));
    }
    Optional<ServerSocketChannel> listener = InProcessStart.take();
    return listener.isPresent() ? serveInProcess(flags, listener.get()) : 0;
  }

  /**
   * What {@code start} with {@code args} prints, performed for another launcher by a live daemon
   * (see {@link WarmStarts}): the address of the daemon that already serves the container's
   * group, or of one spawned as {@code forLauncher} says, as Go's shim spawns its daemon. Empty when
   * that cannot be done here (no command line, no reaper, a failure): the launcher's cold start
   * then does it, or says why it cannot. Reads this bootstrap's stdin and writes the bundle's
   * {@code address} file as start does, but sets up no logging and prints nothing.
   */
  Optional<String> answerForLauncher(List<String> args, Daemon.ForLauncher forLauncher) {
    System.Logger log = ShimLogging.logger("dev.shim4j.shim");
    String id = "?";
    try {
      Flags flags = Flags.parse(args, env);
      id = flags.id();
      if (!flags.action().equals(Flags.ACTION_START)) {
        return Optional.empty();
      }
      Shim shim = factory.create(new ShimContext(runtimeId, flags.id(), flags.namespace(), flags,
          new LazyPublisher(flags), new Config()));
      StartInput input = StartInput.parse(readStdin(), flags.id(), flags.namespace());
      StartOpts opts = startOpts(flags, input);
      String address = ScopedValue.where(Daemon.FOR_LAUNCHER, forLauncher)
          .call(() -> shim.startShim(opts));
      String answer = StartAnswer.format(address, flags.maxShimVersion(), input.params().isPresent());
      log.log(Level.INFO, "start of " + id + " answered " + answer);
      return Optional.of(answer);
    } catch (Exception e) {
      log.log(Level.DEBUG, "left the start of " + id + " to a cold start: " + describe(e));
      return Optional.empty();
    }
  }

  /**
   * The rest of an in-process start (see {@link InProcessStart}): containerd has its answer once
   * stdio is released; then this process serves as a freshly created daemon would.
   */
  private int serveInProcess(Flags startFlags, ServerSocketChannel listener) {
    stdout.close();
    stderr.close();
    try {
      stdin.close();
    } catch (IOException e) {
      // nothing more to let go of
    }
    InProcessStart.releaseStdio();
    onAnswered.run();
    SparePool.afterNewDaemonInBackground(bySpare);
    return perform(startFlags.withAction(Flags.ACTION_SERVE), listener);
  }

  private static void closeQuietly(ServerSocketChannel listener) {
    try {
      listener.close();
    } catch (IOException e) {
      // closing is all that is left to do
    }
  }

  static StartOpts startOpts(Flags flags, StartInput input) {
    if (input.params().isEmpty()) {
      // containerd before 2.3: the flags say it all. Not touching BootstrapParams here keeps its
      // class initialization (and much of protobuf's runtime) out of a start with empty stdin.
      return new StartOpts(flags.id(), flags.namespace(), flags.address(), flags.ttrpcAddress(),
          flags.publishBinary(), flags.bundlePath(), flags.debug(), input.options(),
          ShimAddress.DEFAULT_SOCKET_DIR);
    }
    BootstrapParams params = input.params().get();
    Path socketDir = params.hasSocketDir() && !params.getSocketDir().isEmpty()
        ? Path.of(params.getSocketDir()) : ShimAddress.DEFAULT_SOCKET_DIR;
    return new StartOpts(
        flags.id(),
        flags.namespace(),
        firstNonEmpty(flags.address(), params.getContainerdGrpcAddress()),
        firstNonEmpty(flags.ttrpcAddress(), params.getContainerdTtrpcAddress()),
        firstNonEmpty(flags.publishBinary(), params.getContainerdBinary()),
        flags.bundlePath(),
        flags.debug(),
        input.options(),
        socketDir);
  }

  private int delete(Flags flags, Config config, Shim shim) {
    try {
      setUpLogging(flags, config);
      Path bundle = flags.bundlePath();
      DeleteResponse response = shim.deleteShim(new DeleteOpts(flags.id(), flags.namespace(), bundle));
      removeStaleSocket(bundle);
      response.writeTo(stdout);
      stdout.flush();
      return 0;
    } catch (Exception e) {
      return fail("delete failed: " + describe(e));
    }
  }

  /**
   * A daemon that died leaves its socket file behind; remove it, but never the socket of a daemon
   * that still serves (a grouped shim lives on after one of its containers is deleted).
   */
  private static void removeStaleSocket(Path bundle) throws IOException {
    var address = BundleFiles.readAddress(bundle);
    if (address.isPresent()) {
      Path socket = ShimAddress.pathOf(address.get());
      if (!ShimAddress.isServed(socket)) {
        Files.deleteIfExists(socket);
      }
    }
  }

  /** Logs go to the bundle's {@code log} FIFO (containerd copies them into its own log). */
  static void setUpLogging(Flags flags, Config config) {
    if (config.noSetupLogger()) {
      return;
    }
    Path log = flags.bundlePath().resolve("log");
    if (!Files.exists(log)) {
      return;
    }
    Level level = flags.debug() ? Level.DEBUG : config.defaultLogLevel();
    try {
      ShimLogging.configure(log, level);
    } catch (Exception e) {
      // Logging is a convenience; a shim that cannot log must still work.
    }
  }

  /**
   * Whether stdin and stdout are both terminals, as {@code System.console().isTerminal()} says,
   * but read from /proc: System.console() looks up console providers through the module layer
   * (jline, jshell), which costs tens of milliseconds of a start that containerd waits for.
   */
  private static boolean isInteractive() {
    return isTerminal(0) && isTerminal(1);
  }

  private static boolean isTerminal(int fd) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException e) {
      return false; // closed, or not a symlink: not a terminal either way
    }
  }

  private byte[] readStdin() throws IOException, InterruptedException {
    if (stdin == System.in && isInteractive()) {
      return new byte[0];
    }
    if (stdin instanceof ByteArrayInputStream inMemory) {
      return inMemory.readAllBytes(); // read already (see StartResponder): nothing to wait for
    }
    CompletableFuture<byte[]> read = new CompletableFuture<>();
    // A platform thread: starting the virtual-thread scheduler would cost start-up time.
    Thread.ofPlatform().daemon().name("start-stdin").start(() -> {
      try {
        read.complete(stdin.readAllBytes());
      } catch (IOException e) {
        read.completeExceptionally(e);
      }
    });
    try {
      return read.get(STDIN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("stdin was not closed within " + STDIN_DEADLINE.toSeconds() + "s");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  /**
   * {@code -info}: the shim's {@link Shim#info} as the message's bytes on stdout (containerd 2.x
   * reads them); stdin holds the runtime options as an Any, or nothing.
   */
  private int info(Flags flags) {
    try {
      byte[] in = readStdin();
      Optional<Any> options = in.length == 0 ? Optional.empty() : Optional.of(parseOptions(in));
      Shim shim = factory.create(new ShimContext(runtimeId, flags.id(), flags.namespace(), flags,
          new LazyPublisher(flags), new Config()));
      shim.info(new InfoOpts(runtimeId, options)).writeTo(stdout);
      stdout.flush();
      return 0;
    } catch (Exception e) {
      return fail("info failed: " + describe(e));
    }
  }

  private static Any parseOptions(byte[] in) throws IOException {
    try {
      return Any.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("stdin is not runtime options (a protobuf Any): " + e.getMessage(), e);
    }
  }

  private void printVersion() {
    String version = Shim.class.getPackage().getImplementationVersion();
    stdout.println(runtimeId + ":");
    stdout.println("  Version:  " + (version == null ? "dev" : version));
    stdout.println("  Java version: " + Runtime.version());
    stdout.flush();
  }

  private int fail(String message) {
    stderr.println(runtimeId + ": " + message.replace('\n', ' '));
    stderr.flush();
    return 1;
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static String firstNonEmpty(String a, String b) {
    return a.isEmpty() ? b : a;
  }
}
