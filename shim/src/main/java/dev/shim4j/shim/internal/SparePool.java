package dev.shim4j.shim.internal;

import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.reaper.Child;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.SysException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How many spares ({@link Prefork}) a pool keeps, and starting them. Asked after each start that
 * made a new daemon (a cold start that became one, a spare that did, a live daemon that spawned
 * one), by that daemon:
 *
 * <ul>
 *   <li>{@value #MODE_ENV}=1: a spare follows every new daemon; 0: never; otherwise (adaptive)
 *       only when another start made a new daemon within the spares' idle time ({@code demand}
 *       records the last one), so that a lone container, and a node-wide daemon that answers
 *       every later start itself, never has a spare idling beside it;
 *   <li>one spare, or two while starts outrun one: a start that made a new daemon without a
 *       spare while a spare was alive (booting, or taken by another start) is recorded in
 *       {@code outran}, and within the idle time two are kept, so that each has had two starts'
 *       time to boot.
 * </ul>
 *
 * <p>The bookkeeping ({@code spares}: the spares started and not yet adopted, as {@link
 * ProcessId}s; {@code demand}, {@code outran}: epoch seconds) is read and written under the
 * pool's lock ({@link PoolDir#locked}), so that tens of daemons deciding at once count each
 * other's spares and start no more than wanted; the lock is the kernel's, released when its
 * holder dies, so a killed daemon leaves nothing stale, and a killed spare's entry is dropped the
 * next time because its process is gone.
 */
final class SparePool {
  static final String MODE_ENV = "SHIM4J_PREFORK";
  static final String SPARES = "spares";
  static final String DEMAND = "demand";
  static final String OUTRAN = "outran";
  private static final System.Logger LOG = ShimLogging.logger(SparePool.class);

  enum Mode {
    ADAPTIVE, ALWAYS, NEVER;

    static Mode of(Map<String, String> env) {
      return switch (env.getOrDefault(MODE_ENV, "")) {
        case "0" -> NEVER;
        case "1" -> ALWAYS;
        default -> ADAPTIVE;
      };
    }
  }

  /** Starts one spare; returns it. */
  interface Spawner {
    ProcessId spawn() throws IOException;
  }

  private final PoolDir pool;
  private final Mode mode;
  private final Duration idle;
  private final Spawner spawner;
  private final InstantSource clock;

  SparePool(PoolDir pool, Mode mode, Duration idle, Spawner spawner, InstantSource clock) {
    this.pool = pool;
    this.mode = mode;
    this.idle = idle;
    this.spawner = spawner;
    this.clock = clock;
  }

  /**
   * After a start made a new daemon ({@code bySpare}: a spare took it and is that daemon now).
   * Returns the spares it started.
   */
  List<ProcessId> afterNewDaemon(boolean bySpare) throws Exception {
    return pool.locked(() -> {
      removeDeadSockets();
      List<ProcessId> spares = alive();
      if (!bySpare && !spares.isEmpty()) {
        stamp(OUTRAN);
      }
      boolean wanted = switch (mode) {
        case NEVER -> false;
        case ALWAYS -> true;
        case ADAPTIVE -> {
          boolean again = recent(DEMAND);
          stamp(DEMAND);
          yield again;
        }
      };
      List<ProcessId> started = new ArrayList<>();
      int count = wanted ? (recent(OUTRAN) ? 2 : 1) : 0;
      try {
        while (spares.size() < count) {
          ProcessId spare = spawner.spawn();
          spares.add(spare);
          started.add(spare);
        }
      } finally {
        write(spares);
      }
      return started;
    });
  }

  /** {@code spare} is a spare no more (adopted, or exiting). */
  void forget(ProcessId spare) throws Exception {
    pool.locked(() -> {
      List<ProcessId> spares = alive();
      spares.remove(spare);
      write(spares);
      return null;
    });
  }

  /** The spares recorded and still running. */
  List<ProcessId> alive() throws IOException {
    List<ProcessId> spares = new ArrayList<>();
    for (String line : read(SPARES).lines().toList()) {
      ProcessId.parse(line).filter(ProcessId::isAlive).ifPresent(spares::add);
    }
    return spares;
  }

  /**
   * Removes the sockets of spares and daemons that were killed outright (a launcher skips them:
   * nobody accepts there); a socket whose pid runs again, another process now, stays until that
   * one is gone too, and is skipped the same way meanwhile.
   */
  private void removeDeadSockets() throws IOException {
    try (var entries = Files.list(pool.dir())) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        int dot = name.indexOf('.');
        if (dot < 0 || !(name.startsWith("spare.") || name.startsWith("daemon."))) {
          continue;
        }
        try {
          long pid = Long.parseLong(name.substring(dot + 1));
          if (ProcessHandle.of(pid).isEmpty()) {
            Files.deleteIfExists(entry);
          }
        } catch (NumberFormatException e) {
          // not one of ours
        }
      }
    }
  }

  private boolean recent(String name) throws IOException {
    try {
      long then = Long.parseLong(read(name).strip());
      return clock.instant().getEpochSecond() - then <= idle.toSeconds();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private void stamp(String name) throws IOException {
    writeFile(name, clock.instant().getEpochSecond() + "\n");
  }

  private void write(List<ProcessId> spares) throws IOException {
    StringBuilder text = new StringBuilder();
    spares.forEach(spare -> text.append(spare).append('\n'));
    writeFile(SPARES, text.toString());
  }

  private String read(String name) throws IOException {
    try {
      return Files.readString(pool.file(name));
    } catch (NoSuchFileException e) {
      return "";
    }
  }

  private void writeFile(String name, String text) throws IOException {
    Files.writeString(pool.file(name), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
  }

  // ---- this JVM's pool --------------------------------------------------------------------

  /** This JVM's pool, as the launcher configured it; empty without one, or an untrusted one. */
  static Optional<SparePool> configured() {
    try {
      Optional<PoolDir> pool = PoolDir.configured();
      return pool.map(dir -> new SparePool(dir, Mode.of(System.getenv()),
          Prefork.idleTimeout(System.getenv()), () -> spawnSpare(dir), InstantSource.system()));
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "no spares, no warm starts: " + Bootstrap.describe(e));
      return Optional.empty();
    }
  }

  /**
   * After this process became a new daemon: spares as the policy says, in the background (the
   * daemon's first call comes meanwhile), once its reaper runs (a spare is its child).
   */
  static void afterNewDaemonInBackground(boolean bySpare) {
    Thread.ofPlatform().daemon().name("spare-pool").start(() -> {
      try {
        Optional<SparePool> pool = configured();
        if (pool.isEmpty()) {
          return;
        }
        for (int i = 0; i < 100 && !Reaper.isRunning(); i++) {
          Thread.sleep(100);
        }
        if (Reaper.isRunning()) {
          pool.get().afterNewDaemon(bySpare);
        }
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "cannot start a spare: " + Bootstrap.describe(e));
      }
    });
  }

  /**
   * A spare for {@code pool}: this JVM's command line (the launcher's JVM options, class path,
   * pool) with the {@code prefork} action, in a session of its own, at nice 19 (its warm-up
   * yields to the containers running), watching this JVM's containerd.
   */
  private static ProcessId spawnSpare(PoolDir pool) throws IOException {
    List<String> argv = new ArrayList<>();
    List<String> cmdline = DaemonCommandLine.started();
    String mainClass = DaemonCommandLine.mainClass();
    List<String> jvm = DaemonCommandLine.jvmPart(cmdline, mainClass, List.of(Prefork.ACTION));
    argv.add(ProcessHandle.current().info().command()
        .orElseThrow(() -> new IOException("cannot tell which java binary runs this process")));
    for (String arg : jvm.subList(1, jvm.size() - 2)) {
      if (!arg.startsWith("-D" + Prefork.WATCH_PROPERTY + "=")) {
        argv.add(arg);
      }
    }
    Prefork.watched().ifPresent(containerd -> argv.add("-D" + Prefork.WATCH_PROPERTY + "=" + containerd));
    argv.add(mainClass);
    argv.add(Prefork.ACTION);
    Child child = Reaper.get().spawn(Daemon.daemonCommand(argv, Path.of("/")));
    try {
      Processes.setNice(child.pid(), 19);
    } catch (SysException e) {
      // it boots at our priority
    }
    return ProcessId.of(child.pid()).orElse(new ProcessId(child.pid(), -1));
  }
}
