package dev.shim4j.shim.internal;

import dev.shim4j.shim.StartOpts;
import dev.shim4j.shim.bundle.BundleFiles;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.reaper.Child;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.shim.reaper.Stdio;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a shim daemon the way {@code start} must: the listening socket is created here, in the
 * start process, and handed to the daemon as its stdin, so the socket accepts connections
 * (queued in the backlog) before the daemon's JVM is even up and containerd's first connect
 * never fails. The daemon is this same program without the {@code start} action, in its own
 * session, in the bundle directory, with stdout and stderr on /dev/null so that it does not hold
 * the pipes containerd reads {@code start}'s answer from.
 *
 * <p>Under the distribution's launchers the {@code start} process itself becomes the daemon and
 * no second JVM starts: see {@link InProcessStart}.
 */
public final class Daemon {
  private static final System.Logger LOG = ShimLogging.logger(Daemon.class);

  /**
   * Bound while a live daemon answers another launcher's {@code start} (see {@link WarmStarts}).
   * {@link #spawn(StartOpts, String)} then finds the daemon already serving the group, or spawns
   * one as Go's shim does (the listener handed to a new JVM as its stdin) with the command line
   * given here, never in-process; or, when it cannot, throws {@link ColdStartNeeded} before it
   * removes, binds or spawns anything, and the launcher starts cold.
   */
  static final ScopedValue<ForLauncher> FOR_LAUNCHER = ScopedValue.newInstance();

  /**
   * What a live daemon may do for a launcher's start: spawn a new daemon with {@code daemonArgv}
   * (the launcher's JVM command line, its flags, no action), or only find one when it is empty.
   * {@code onSpawned} runs once a new daemon was spawned (the launcher hears of it: a new daemon
   * is what a pre-started one would have saved).
   */
  record ForLauncher(Optional<List<String>> daemonArgv, Runnable onSpawned) {}

  /** This start is for a cold start to perform: see {@link #FOR_LAUNCHER}. */
  static final class ColdStartNeeded extends IOException {
    ColdStartNeeded(String why) {
      super(why);
    }
  }

  private Daemon() {}

  /**
   * Spawns the daemon serving {@code group}, or returns the address of the one already serving
   * it. A socket file nobody answers on is stale (its daemon died) and is replaced.
   */
  public static String spawn(StartOpts opts, String group) throws IOException {
    String address = ShimAddress.of(opts.containerdAddress(), opts.namespace(), group, opts.socketDir());
    Path socket = ShimAddress.pathOf(address);
    Optional<ForLauncher> forLauncher =
        FOR_LAUNCHER.isBound() ? Optional.of(FOR_LAUNCHER.get()) : Optional.empty();
    // Spawning for a launcher needs this daemon's reaper: it is the new daemon's parent.
    boolean mayCreate = forLauncher.isEmpty()
        || forLauncher.get().daemonArgv().isPresent() && Reaper.isRunning();
    if (!mayCreate && !Files.isDirectory(socket.getParent())) {
      throw new ColdStartNeeded("no daemon serves " + address + " yet");
    }
    createSocketDir(socket.getParent());
    boolean inProcess = forLauncher.isEmpty() && InProcessStart.enabled();
    int listener = -1;
    ServerSocketChannel channel = null;
    // Two rounds: another start for the same group may bind between our check and our bind.
    for (int round = 0; round < 2 && listener < 0 && channel == null; round++) {
      if (ShimAddress.isServed(socket)) {
        LOG.log(System.Logger.Level.DEBUG, "reusing the shim at {0}", address);
        BundleFiles.writeAddress(opts.bundle(), address);
        return address;
      }
      if (!mayCreate) {
        throw new ColdStartNeeded("no daemon serves " + address + " yet");
      }
      Files.deleteIfExists(socket);
      try {
        if (inProcess) {
          channel = UnixListener.listenChannel(socket);
        } else {
          listener = UnixListener.listen(socket);
        }
      } catch (FileAlreadyExistsException lostRace) {
        listener = -1;
      }
    }
    if (channel != null) {
      return becomeDaemon(opts, address, socket, channel);
    }
    if (listener < 0) {
      throw new IOException("cannot listen on " + socket + ": another process keeps binding it");
    }
    try {
      List<String> argv = forLauncher.isPresent()
          ? forLauncher.get().daemonArgv().orElseThrow() : DaemonCommandLine.current();
      Child daemon = Reaper.get().spawn(daemonCommand(argv, opts.bundle()).withStdio(
          Stdio.fd(listener), Stdio.devNull(), Stdio.devNull()));
      if (forLauncher.isEmpty()) {
        OomScore.adjustChild(daemon.pid()); // (a daemon's child inherits its score: containerd's + 1)
      }
      BundleFiles.writeAddress(opts.bundle(), address);
      forLauncher.ifPresent(launcher -> launcher.onSpawned().run());
      return address;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(socket);
      throw e;
    } finally {
      UnixListener.close(listener);
    }
  }

  /** The in-process daemon (see {@link InProcessStart}): this process keeps the listener. */
  private static String becomeDaemon(StartOpts opts, String address, Path socket, ServerSocketChannel channel)
      throws IOException {
    try {
      BundleFiles.writeAddress(opts.bundle(), address);
      OomScore.adjustSelf();
      InProcessStart.claim(channel);
      return address;
    } catch (IOException | RuntimeException e) {
      channel.close();
      Files.deleteIfExists(socket);
      throw e;
    }
  }

  /** {@code argv} (this program, no action) in the bundle, in a new session. */
  static Command daemonCommand(List<String> argv, Path bundle) {
    return new Command(argv, null, bundle, Stdio.devNull(), Stdio.devNull(), Stdio.devNull(), Map.of(), true);
  }

  private static void createSocketDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      // 0711: others may reach a socket whose name they know, but not list the directory.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    }
  }
}
