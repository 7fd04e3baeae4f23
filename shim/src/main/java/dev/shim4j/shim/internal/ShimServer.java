package dev.shim4j.shim.internal;

import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.shim.Config;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.Flags;
import dev.shim4j.shim.Shim;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.Signals;
import dev.shim4j.ttrpc.PeerPolicy;
import dev.shim4j.ttrpc.Server;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The daemon: serves the shim's task service on the socket {@code start} created (inherited as
 * stdin) or on {@code -socket}, until the shim's {@link Shim#waitForExit()} returns or SIGTERM or
 * SIGINT arrives; then stops accepting, lets in-flight calls (the Shutdown that ended it, say)
 * answer, drains the publisher and removes its socket.
 */
final class ShimServer {
  static final String TASK_V3 = "containerd.task.v3.Task";
  /** How long in-flight calls may take to finish once the shim decided to exit. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
  /** The last lines must reach the log before the JVM exits; a reader that is gone costs them. */
  static final Duration LOG_FLUSH = Duration.ofSeconds(2);
  /**
   * Milliseconds within which a daemon made by {@code start} must see its first connection
   * (containerd connects right after start answered); default 10 s. A start whose launcher gave
   * up, or whose containerd died meanwhile, would otherwise leave a daemon nobody ever uses.
   */
  static final String FIRST_CONNECTION_PROPERTY = "dev.shim4j.daemon.first-connection-ms";
  private static final Duration FIRST_CONNECTION = Duration.ofSeconds(10);

  private final String runtimeId;
  private final Flags flags;
  private final Config config;
  private final Shim shim;
  private final LazyPublisher publisher;
  private final ExitSignal stop = new ExitSignal();
  /** The socket an in-process start already bound; otherwise inherited or bound here. */
  private final ServerSocketChannel boundListener;
  private Logger log;

  ShimServer(String runtimeId, Flags flags, Config config, Shim shim, LazyPublisher publisher,
      ServerSocketChannel boundListener) {
    this.runtimeId = runtimeId;
    this.flags = flags;
    this.config = config;
    this.shim = shim;
    this.publisher = publisher;
    this.boundListener = boundListener;
  }

  int serve() {
    Bootstrap.setUpLogging(flags, config);
    log = ShimLogging.logger("dev.shim4j.shim");
    Server server = null;
    Optional<Path> socket = Optional.empty();
    Object socketKey = null;
    try {
      becomeSubreaper();
      if (!config.noReaper()) {
        Reaper.get();
      }
      handleSignals();
      ServerSocketChannel listener = openListener();
      socket = localPath(listener);
      socketKey = socket.map(ShimServer::fileKey).orElse(null);
      TaskTtrpc.Service tasks = shim.taskService();
      server = Server.builder()
          .register(TaskTtrpc.bind(tasks))
          .register(TaskTtrpc.bind(tasks, TASK_V3))
          .peerPolicy(PeerPolicy.SAME_USER)
          .build();
      log.log(Level.INFO, "server listen started");
      server.serve(listener);
      if (flags.socketPath().isEmpty()) {
        exitUnlessConnected(server);
      }
      log.log(Level.INFO, "server started");
      log.log(Level.INFO, "Shim successfully started, waiting for exit signal...");
      awaitExit();
      log.log(Level.INFO, "Shutting down shim instance");
      return 0;
    } catch (Exception e) {
      log.log(Level.ERROR, runtimeId + " shim failed: " + Bootstrap.describe(e), e);
      return 1;
    } finally {
      shutDown(server, socket, socketKey);
    }
  }

  private void shutDown(Server server, Optional<Path> socket, Object socketKey) {
    if (server != null) {
      try {
        server.shutdown(SHUTDOWN_GRACE);
        log.log(Level.INFO, "ttrpc server stopped");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.close();
      } catch (RuntimeException e) {
        log.log(Level.WARNING, "ttrpc server shutdown failed: " + Bootstrap.describe(e), e);
      }
    }
    removeOwnSocket(socket, socketKey);
    try {
      publisher.close();
      log.log(Level.INFO, "publisher closed");
    } catch (RuntimeException e) {
      log.log(Level.WARNING, "closing the publisher failed: " + Bootstrap.describe(e), e);
    }
    log.log(Level.INFO, "shim exited");
    try {
      ShimLogging.flush(LOG_FLUSH);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void becomeSubreaper() {
    if (config.noSubreaper()) {
      return;
    }
    try {
      Processes.setChildSubreaper(true);
    } catch (IOException e) {
      log.log(Level.WARNING, "cannot become a child subreaper: " + e.getMessage());
    }
  }

  /**
   * SIGTERM and SIGINT end the daemon as Shutdown would (Go's shim does the same); SIGPIPE is
   * ignored so that a vanished reader fails a write instead of killing the shim.
   */
  private void handleSignals() {
    Signals.handle(Signals.SIGTERM, signal -> stop.signal());
    Signals.handle(Signals.SIGINT, signal -> stop.signal());
    Signals.ignore(Signals.SIGPIPE);
  }

  /**
   * Ends this daemon when nobody connects within {@link #FIRST_CONNECTION_PROPERTY}: it was made
   * for a start whose answer never reached containerd (the launcher died, or gave up and started
   * cold elsewhere), so nothing will ever use it. Not for {@code -socket} runs, started by hand.
   */
  private void exitUnlessConnected(Server server) {
    Duration deadline = FIRST_CONNECTION;
    try {
      deadline = Duration.ofMillis(Long.parseLong(System.getProperty(FIRST_CONNECTION_PROPERTY, "10000").trim()));
    } catch (NumberFormatException e) {
      // the default
    }
    Duration wait = deadline;
    Thread.ofPlatform().daemon().name("first-connection").start(() -> {
      try {
        if (!server.awaitConnection(wait)) {
          log.log(Level.WARNING, "nobody connected within " + wait.toMillis() + " ms: exiting");
          stop.signal();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** Waits for the shim to want to exit, or for a signal that says it must. */
  private void awaitExit() throws InterruptedException {
    Thread.ofPlatform().daemon().name("shim-wait").start(() -> {
      try {
        shim.waitForExit();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        log.log(Level.ERROR, "waitForExit failed: " + Bootstrap.describe(e), e);
      } finally {
        stop.signal();
      }
    });
    stop.await();
  }

  private ServerSocketChannel openListener() throws IOException {
    if (boundListener != null) {
      return boundListener;
    }
    Optional<Path> path = flags.socketPath();
    if (path.isPresent()) {
      // A manual run: bind the path ourselves, replacing a stale file.
      if (ShimAddress.isServed(path.get())) {
        throw new IOException("another process serves " + path.get());
      }
      Files.deleteIfExists(path.get());
      ServerSocketChannel channel = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
      channel.bind(UnixDomainSocketAddress.of(path.get()), UnixListener.BACKLOG);
      Files.setPosixFilePermissions(path.get(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      return channel;
    }
    Channel inherited = System.inheritedChannel();
    if (inherited instanceof ServerSocketChannel listener) {
      return listener;
    }
    throw new IOException("no listening socket on stdin (run through `start`, or pass -socket PATH)");
  }

  private static Optional<Path> localPath(ServerSocketChannel listener) {
    try {
      return listener.getLocalAddress() instanceof UnixDomainSocketAddress unix
          && !unix.getPath().toString().isEmpty()
          ? Optional.of(unix.getPath()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Object fileKey(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Removes the socket file, unless it is no longer ours: a new {@code start} that found this
   * daemon gone may already have bound a fresh socket at the same path.
   */
  private void removeOwnSocket(Optional<Path> socket, Object socketKey) {
    if (socket.isEmpty() || socketKey == null) {
      return;
    }
    try {
      if (Objects.equals(fileKey(socket.get()), socketKey)) {
        Files.deleteIfExists(socket.get());
      }
    } catch (IOException e) {
      log.log(Level.WARNING, "cannot remove " + socket.get() + ": " + e.getMessage());
    }
  }
}
