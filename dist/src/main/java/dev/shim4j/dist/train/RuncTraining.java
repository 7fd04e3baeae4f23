package dev.shim4j.dist.train;

import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.Processes;
import dev.shim4j.ttrpc.Client;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Trains containerd-shim-runc4j-v2's AOT cache on a container's life (its trainingMainClass in
 * dist/pom.xml: shim4j:package runs it at build time): plays containerd against the real launcher, with the JVM options that record
 * an AOT configuration, and prints the path of the configuration the daemon recorded when it
 * exited (the plugin then creates the cache from it).
 *
 * <pre>RuncTraining LAUNCHER WORK_DIR [--measure]</pre>
 *
 * {@code --measure} plays the same life without recording, against the launcher as it is (with
 * its cache): the step times on stderr show what a cache saves.
 *
 * Exit status 0: trained, the configuration's path on stdout; 2: this machine cannot run a
 * container (not root, no runc or /bin/busybox), nothing started; 1: the training failed. Progress
 * goes to stderr (the build log).
 */
public final class RuncTraining {
  static final int UNSUPPORTED = 2;
  private static final String NAMESPACE = "shim4j-aot";
  private static final Duration DAEMON_EXIT = Duration.ofSeconds(120);
  private static final PrintStream LOG = System.err;

  private RuncTraining() {}

  public static void main(String[] args) {
    boolean measure = args.length == 3 && args[2].equals("--measure");
    if (args.length != 2 && !measure) {
      LOG.println("usage: RuncTraining LAUNCHER WORK_DIR [--measure]");
      System.exit(1);
    }
    Path launcher = Path.of(args[0]).toAbsolutePath();
    Path work = Path.of(args[1]).toAbsolutePath();
    String missing = missingPrerequisite();
    if (missing != null) {
      LOG.println("lifecycle training not possible: " + missing);
      System.exit(UNSUPPORTED);
    }
    try {
      Path conf = train(launcher, work, !measure);
      if (conf != null) {
        System.out.println(conf);
      }
      System.exit(0);
    } catch (Exception e) {
      LOG.println("lifecycle training failed: " + e);
      System.exit(1);
    }
  }

  /** Why this machine cannot run the lifecycle, or null if it can. */
  static String missingPrerequisite() {
    if (Processes.getuid() != 0) {
      return "not root (runc needs root)";
    }
    if (runc() == null) {
      return "no runc on PATH";
    }
    if (!Files.isExecutable(Path.of("/bin/busybox"))) {
      return "no /bin/busybox (busybox-static)";
    }
    return null;
  }

  private static String runc() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "runc"))) {
        return Path.of(dir, "runc").toString();
      }
    }
    return null;
  }

  /** Plays the life; returns the daemon's recorded configuration, or null if not {@code record}ing. */
  private static Path train(Path launcher, Path work, boolean record) throws Exception {
    String name = launcher.getFileName().toString();
    String tag = Long.toString(ProcessHandle.current().pid());
    String first = "aot-" + tag + "-a";
    String second = "aot-" + tag + "-b";
    Files.createDirectories(work);
    TrainingImage image = TrainingImage.create(work.resolve("image"), Path.of("/bin/busybox"), runc());
    Path bundleA = image.bundle(work.resolve("bundle-a"), NAMESPACE, first,
        List.of("sh", "-c", "echo hi; read line; echo got $line; exit 3"));
    Path bundleB = image.bundle(work.resolve("bundle-b"), NAMESPACE, second, List.of("sleep", "60"));
    logFifo(bundleA, work.resolve(name + "-daemon.log"));
    Path events = work.resolve("events.sock");
    ShimDaemon daemon = null;
    List<String> created = new ArrayList<>(List.of(first, second));
    try (EventsSink sink = EventsSink.bind(events)) {
      // %p: start and a daemon it spawns each record apart (the pid is in the file name).
      String javaOptions = record
          ? "-XX:AOTMode=record -XX:AOTConfiguration=" + work.resolve(name + "-%p.aotconf") : "";
      long t0 = System.nanoTime();
      daemon = ShimDaemon.start(launcher, bundleA, NAMESPACE, first, work.resolve("containerd.sock"), events,
          javaOptions, work.resolve(name + "-start.err"));
      LOG.printf("  daemon pid %d on %s after %d ms%n", daemon.pid(), daemon.address(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      try (Client client = Client.connect(daemon.address())) {
        Lifecycle life = new Lifecycle(new TaskTtrpc.Client(client), NAMESPACE, image, work, LOG);
        life.runWithStdio(first, bundleA);
        life.runWithoutStdio(second, bundleB);
        created.clear();
        awaitEvents(sink);
        LOG.println("  events: " + sink.topics());
        life.shutdown(first);
      }
      if (!daemon.awaitExit(DAEMON_EXIT)) {
        throw new IOException("the daemon (pid " + daemon.pid() + ") did not exit within " + DAEMON_EXIT
            + " of Shutdown");
      }
      if (!record) {
        return null;
      }
      Path conf = work.resolve(name + "-pid" + daemon.pid() + ".aotconf");
      if (!Files.isRegularFile(conf) || Files.size(conf) == 0) {
        throw new IOException("the daemon recorded no AOT configuration at " + conf);
      }
      LOG.println("  lifecycle trained: " + conf.getFileName());
      return conf;
    } catch (Exception e) {
      LOG.println("  daemon log: " + ShimDaemon.tail(work.resolve(name + "-daemon.log")));
      LOG.println("  start stderr: " + ShimDaemon.tail(work.resolve(name + "-start.err")));
      throw e;
    } finally {
      if (daemon != null && !daemon.awaitExit(Duration.ZERO)) {
        daemon.kill();
      }
      for (String id : created) {
        Leftovers.remove(runc(), NAMESPACE, id, work);
      }
      Leftovers.removeNamespaceDirs(NAMESPACE);
    }
  }

  /** The publisher sends in the background: wait for the last event (a delete) to arrive. */
  private static void awaitEvents(EventsSink sink) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sink.topics().getOrDefault("/tasks/delete", 0) < 2 && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    Map<String, Integer> topics = sink.topics();
    for (String topic : List.of("/tasks/create", "/tasks/start", "/tasks/exec-added", "/tasks/exec-started",
        "/tasks/exit", "/tasks/delete")) {
      if (!topics.containsKey(topic)) {
        throw new IllegalStateException("no " + topic + " event reached the events service: " + topics);
      }
    }
  }

  /** The bundle's `log` FIFO, read as containerd does (opened read-write: it never sees EOF). */
  private static void logFifo(Path bundle, Path into) throws IOException {
    Path fifo = bundle.resolve("log");
    Fds.mkfifo(fifo, 0600);
    RandomAccessFile reader = new RandomAccessFile(fifo.toFile(), "rw");
    Thread.ofPlatform().daemon().name("shim-log").start(() -> {
      byte[] buf = new byte[8192];
      try (reader; var out = Files.newOutputStream(into)) {
        for (int n; (n = reader.read(buf)) > 0; ) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the training is over
      }
    });
  }
}
