package dev.shim4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.PackagedShim;
import dev.shim4j.testkit.OnEveryContainerd;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.testkit.StartAnswers;
import dev.shim4j.testkit.Procs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The distribution's runc shim launcher under a real containerd (each supported release, see
 * {@link OnEveryContainerd}), with starts answered by a
 * JVM that is already up. A live daemon (dev.shim4j.shim.internal.WarmStarts; the tests of it run with
 * spares off, SHIM4J_PREFORK=0): a new container's daemon is spawned by a running one, a
 * container joining the node-wide daemon costs no JVM at all, and the daemons' sockets go with them.
 * A spare (dev.shim4j.shim.internal.Prefork, by default): the third of three containers in a row gets one
 * as its daemon, and a spare goes with its containerd.
 */
@OnEveryContainerd
class WarmStartsContainerdTest {
  private static final Path DIST = PackagedShim.directory();
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  /**
   * A spare boots at nice 19: on a machine kept busy by others (CI, parallel builds) it gets a
   * sliver of the CPU, and its JVM's boot can take tens of seconds.
   */
  private static final Duration SPARE_DEADLINE = Duration.ofSeconds(120);

  static PrivateContainerd cd;
  /** The launcher as installed: containerd's environment says nothing of spares. */
  static String launcher;
  /** The launcher with SHIM4J_PREFORK=0 in its environment: daemons answer, no spares. */
  static String runtime;
  static String image;

  @BeforeAll
  static void setUp() throws Exception {
    launcher = DIST.resolve("bin/containerd-shim-runc4j-v2").toString();
    cd = PrivateContainerd.start();
    Path noSpares = cd.dir().resolve("runc4j-no-spares");
    Files.writeString(noSpares, "#!/bin/sh\nSHIM4J_PREFORK=0 exec " + launcher + " \"$@\"\n");
    noSpares.toFile().setExecutable(true);
    runtime = noSpares.toString();
    image = cd.busyboxImage();
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (cd != null) {
      cd.close();
      // what the pool keeps for this containerd and namespace: its bookkeeping
      if (Files.isDirectory(spares())) {
        try (var files = Files.walk(spares())) {
          for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(file);
          }
        }
      }
    }
  }

  @Test
  void aRunningContainersDaemonSpawnsTheNextOnesAndBothGoAway() throws Exception {
    cd.ctrOk("run", "-d", "--runtime", runtime, image, "warm-holder", "sleep", "600");
    long holder = daemonOf("warm-holder");
    Path holderSlot = awaitSlot(holder);

    cd.ctrOk("run", "-d", "--runtime", runtime, image, "warm-next", "sleep", "600");
    long next = daemonOf("warm-next");

    assertThat(next).isNotEqualTo(holder);
    assertThat(ProcessHandle.of(next).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
        .as("spawned by the running daemon, not by a cold start").contains(holder);
    Path nextSlot = awaitSlot(next);
    assertThat(cd.ctrOk("task", "exec", "--exec-id", "e1", "warm-next", "echo", "served").stdout())
        .isEqualTo("served\n");
    // a daemon answers in the form the release asks, as a cold start does
    StartAnswers.assertAsTheReleaseAsks(cd);

    // the daemon that spawned it goes first: the other lives on, and serves
    remove("warm-holder");
    awaitGone(holder, holderSlot);
    assertThat(cd.ctrOk("task", "exec", "--exec-id", "e2", "warm-next", "echo", "still").stdout())
        .isEqualTo("still\n");
    remove("warm-next");
    awaitGone(next, nextSlot);
  }

  @Test
  void theThirdContainerInARowIsServedByASpareThatGoesWithItsContainerd() throws Exception {
    cd.ctrOk("run", "--rm", "--runtime", launcher, image, "row-1", "true");
    cd.ctrOk("run", "--rm", "--runtime", launcher, image, "row-2", "true");
    long spare = awaitSpare(-1);

    cd.ctrOk("run", "-d", "--runtime", launcher, image, "row-3", "sleep", "600");

    assertThat(daemonOf("row-3")).isEqualTo(spare);
    long next = awaitSpare(spare); // started for the next container
    cd.restart();
    awaitGone(next, spares().resolve("spare." + next));
    assertThat(cd.ctrOk("task", "exec", "--exec-id", "e1", "row-3", "echo", "served").stdout())
        .as("the adopted spare is a daemon: it outlives containerd").isEqualTo("served\n");
    remove("row-3");
    awaitGone(spare, spares().resolve("daemon." + spare));
  }

  @Test
  void aContainerJoiningTheNodeWideDaemonStartsNoJvm() throws Exception {
    cd.ctrOk("run", "-d", "--runtime", runtime, "--annotation", "dev.shim4j.group=node", image,
        "node-holder", "sleep", "600");
    long node = daemonOf("node-holder");
    awaitSlot(node);
    List<Long> before = shims();

    String out = cd.ctrOk("run", "--rm", "--runtime", runtime, "--annotation", "dev.shim4j.group=node",
        image, "node-joiner", "echo", "joined").stdout();

    assertThat(out).isEqualTo("joined\n");
    assertThat(shims()).as("no other shim process came and went: none is left, and").isEqualTo(before);
    assertThat(cd.log()).as("the node's daemon answered it").contains("start of node-joiner answered ");
    Path slot = awaitSlot(node);
    remove("node-holder");
    awaitGone(node, slot);
  }

  /** The pid of the daemon serving {@code id}: the shim process its start answered for. */
  private static long daemonOf(String id) throws Exception {
    String pid = cd.ctrOk("task", "ls").lines().stream()
        .filter(line -> line.startsWith(id + " "))
        .map(line -> line.trim().split("\\s+")[1])
        .findFirst().orElseThrow();
    // the task's pid is the container's init; its parent is the daemon
    return ProcessHandle.of(Long.parseLong(pid)).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
        .orElseThrow();
  }

  /** The pool of this containerd's starts of runc4j in the test's namespace (see {@link PoolDirs}). */
  private static Path spares() {
    return PoolDirs.of(Path.of("/run/shim4j/prefork"), cd.address().toString(), "containerd-shim-runc4j-v2",
        cd.namespace());
  }

  /** Waits for a spare other than {@code not} (its socket bound); returns its pid. */
  private static long awaitSpare(long not) throws Exception {
    long deadline = System.nanoTime() + SPARE_DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.isDirectory(spares())) {
        try (var files = Files.list(spares())) {
          var ready = files.map(file -> file.getFileName().toString())
              .filter(name -> name.matches("spare\\.[0-9]+"))
              .map(name -> Long.parseLong(name.substring("spare.".length())))
              .filter(pid -> pid != not && Procs.isRunning(pid))
              .findFirst();
          if (ready.isPresent()) {
            return ready.get();
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no spare in " + spares() + " within " + SPARE_DEADLINE);
  }

  /** Waits for the socket on which {@code daemon} answers starts; returns it. */
  private static Path awaitSlot(long daemon) throws Exception {
    Path socket = spares().resolve("daemon." + daemon);
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!Files.exists(socket) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(socket).exists();
    return socket;
  }

  private static void awaitGone(long daemon, Path slot) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while ((Procs.isRunning(daemon) || Files.exists(slot)) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(Procs.isRunning(daemon)).isFalse();
    assertThat(slot).doesNotExist();
  }

  private static List<Long> shims() {
    return Procs.runningWithArgument(cd.address().toString()).stream()
        .filter(p -> p.info().commandLine().map(c -> c.contains("runcshim.Main")).orElse(false))
        .map(ProcessHandle::pid).sorted().toList();
  }

  private static void remove(String id) throws InterruptedException {
    cd.ctr("task", "kill", "-s", "KILL", id);
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (cd.ctr("task", "delete", id).exitCode() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(100); // until the kill has landed
    }
    cd.ctrOk("container", "delete", id);
  }
}
