package dev.shim4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.bootstrap.v1.BootstrapParams;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's launcher with pre-started daemons ("spares"; see dev.shim4j.shim.Prefork):
 * with SHIM4J_PREFORK=1 a cold start leaves a spare behind, the next start is answered by it and
 * it becomes that start's daemon; a spare in another environment declines; a dead spare's
 * directory is skipped; a spare goes when the process it was started for (containerd) does. By
 * default a spare follows only the second new daemon within the idle time; with 0 none does. Two
 * spares while starts outrun one.
 * Also the launcher's other path: a live daemon answers starts (dev.shim4j.shim.WarmStarts).
 */
class PreforkTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Path DIST = Path.of(System.getProperty("shim4j.dist", "target/shim4j")).toAbsolutePath();
  private static final String SKELETON = "containerd-shim-skeleton-v1";
  private static final String NAMESPACE = "shim4j-prefork-test";

  @TempDir Path tmp;
  private final List<Process> logReaders = new ArrayList<>();
  private final List<Path> sockets = new CopyOnWriteArrayList<>(); // (starts may run in parallel)
  private int bundles;

  @AfterEach
  void cleanUp() throws IOException {
    // daemons and spares of this test: their command lines name this test's directories
    ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(args -> String.join(" ", args).contains(tmp.toString()))
            .orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
    for (Path socket : sockets) {
      Files.deleteIfExists(socket);
    }
    logReaders.forEach(Process::destroy);
  }

  @Test
  void aSpareAnswersTheNextStartAndBecomesItsDaemon() throws Exception {
    String first = start(preforkEnv());
    long spare = awaitSpare(Optional.empty());

    String second = start(preforkEnv());

    assertThat(second).isNotEqualTo(first);
    assertThat(shimPid(second)).isEqualTo(spare);
    assertThat(spares().resolve(Long.toString(spare))).doesNotExist();
    assertThat(ProcessHandle.of(spare).orElseThrow().info().command()).isPresent();
    long next = awaitSpare(Optional.of(spare));
    assertThat(next).isNotEqualTo(spare);
    // ps shows it as the daemon of its container, as a cold start's daemon: not "... prefork"
    List<String> argv = awaitCommandLineEndingIn(spare, "start");
    assertThat(String.join(" ", argv)).contains("-id prefork-test-2 ")
        .contains("-Ddev.shim4j.prefork=" + spares()).doesNotContain("prefork.watch");
  }

  /**
   * A spare that became a daemon shows a shorter command line (see the case above), but the
   * daemons it spawns for other launchers' starts get the whole JVM command line it was started
   * with: the launcher's tuned options, not just what ps shows.
   */
  @Test
  void aDaemonThatWasASpareSpawnsDaemonsWithItsWholeJvmCommandLine() throws Exception {
    Map<String, String> env = preforkEnv();
    long first = shimPid(start(env));
    long spare = awaitSpare(Optional.empty());
    long adopted = shimPid(start(env));
    assertThat(adopted).isEqualTo(spare);
    awaitCommandLineEndingIn(adopted, "start");
    // Only the adopted spare is left to answer the next start: no other daemon, no spare.
    long next = awaitSpare(Optional.of(spare));
    for (long pid : List.of(first, next)) {
      ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
      handle.destroyForcibly();
      handle.onExit().get();
    }

    long spawned = shimPid(start(env));

    assertThat(spawned).isNotIn(first, adopted, next);
    String parent = ProcessHandle.of(spawned).orElseThrow().parent().map(ProcessHandle::pid).map(String::valueOf).orElse("?");
    List<String> argv = List.of(Files.readString(Path.of("/proc/" + spawned + "/cmdline")).split("\0"));
    assertThat(argv).as("spawned by " + parent).contains("-XX:+UseSerialGC", "-Xmx64m").doesNotContain("");
  }

  /** The arguments of process {@code pid} (trailing empty ones dropped), once the last is {@code last}. */
  private static List<String> awaitCommandLineEndingIn(long pid, String last) throws Exception {
    List<String> argv = List.of();
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      List<String> args = new ArrayList<>(List.of(
          Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0")));
      while (!args.isEmpty() && args.getLast().isEmpty()) {
        args.removeLast();
      }
      argv = args;
      if (!argv.isEmpty() && argv.getLast().equals(last)) {
        return argv;
      }
      Thread.sleep(20);
    }
    assertThat(argv).as("command line of " + pid).endsWith(last);
    return argv;
  }

  /**
   * A start whose group already has a daemon (a pod's second container, every container after the
   * first of a node-wide shim) needs no new daemon: the spare answers it and stays a spare.
   */
  @Test
  void aSpareThatFindsTheGroupsDaemonServingStaysASpare() throws Exception {
    String first = start(preforkEnv(), "grouped");
    long daemon = shimPid(first);
    long spare = awaitSpare(Optional.empty());

    String again = start(preforkEnv(), "grouped");

    assertThat(again).isEqualTo(first);
    assertThat(shimPid(again)).isEqualTo(daemon);
    Path slot = spares().resolve(Long.toString(spare));
    awaitRearmed(slot);
    assertThat(awaitSpare(Optional.empty())).isEqualTo(spare);
    // and it still becomes the daemon of the next start that needs one
    String other = start(preforkEnv(), "another");
    assertThat(shimPid(other)).isEqualTo(spare);
    assertThat(slot).doesNotExist();
  }

  @Test
  void aSpareInAnotherEnvironmentSaysNoAndStartRunsCold() throws Exception {
    start(preforkEnv());
    long spare = awaitSpare(Optional.empty());
    Map<String, String> other = preforkEnv();
    other.put("SHIM4J_PREFORK_TEST_OTHER", "1");

    String address = start(other);

    assertThat(shimPid(address)).isNotEqualTo(spare);
    assertThat(spares().resolve(Long.toString(spare)).resolve("request")).exists();
    assertThat(spares().resolve(Long.toString(spare)).resolve("taken")).doesNotExist();
  }

  /** A launcher gives up after 2 s and starts cold: a claim older than that must not be served. */
  @Test
  void aSpareSaysNoToAClaimItsLauncherHasGivenUpOn() throws Exception {
    start(preforkEnv());
    long spare = awaitSpare(Optional.empty());
    Path slot = spares().resolve(Long.toString(spare));
    Files.createFile(slot.resolve("taken"));
    Files.setLastModifiedTime(slot.resolve("taken"),
        FileTime.from(Instant.now().minusSeconds(10)));

    // a stand-in launcher the spare would accept: its environment, stdio copies on 3..5
    ProcessBuilder standIn = new ProcessBuilder("bash", "-c",
        "exec 3</dev/null 4>/dev/null 5>/dev/null; sleep 30");
    standIn.environment().putAll(preforkEnv());
    Process launcher = standIn.start();
    try (RandomAccessFile reply = new RandomAccessFile(slot.resolve("reply").toFile(), "rw");
        OutputStream request = Files.newOutputStream(slot.resolve("request"))) {
      request.write((launcher.pid() + "\0" + tmp + "\0" + "1\0start\0")
          .getBytes(StandardCharsets.UTF_8));
      request.flush();

      assertThat(reply.readLine()).isEqualTo("no");
    } finally {
      launcher.destroyForcibly();
    }
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (Files.exists(slot.resolve("taken")) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(slot.resolve("taken")).doesNotExist();
    assertThat(ProcessHandle.of(spare)).isPresent();
  }

  @Test
  void aDeadSparesSlotIsSkippedThenRemoved() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path slot = Files.createDirectories(spares().resolve(Long.toString(gone.pid())));
    assertThat(new ProcessBuilder("mkfifo", slot.resolve("request").toString(), slot.resolve("reply").toString())
        .start().waitFor()).isZero();

    long began = System.nanoTime();
    String address = start(preforkEnv());

    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(2));
    assertThat(shimPid(address)).isPositive();
    assertThat(slot.resolve("taken")).doesNotExist();
    awaitSpare(Optional.empty()); // the launcher counted the spares before it started this one
    assertThat(slot).doesNotExist();
  }

  @Test
  void withPreforkZeroNoSpareIsStarted() throws Exception {
    Map<String, String> env = preforkEnv();
    env.put("SHIM4J_PREFORK", "0");
    start(env);
    long daemon = shimPid(start(env)); // a second new daemon: by default one would follow
    awaitDaemonSlot(daemon);

    assertThat(spareProcesses()).isEmpty();
    try (Stream<Path> slots = Files.list(spares())) {
      assertThat(slots.map(slot -> slot.getFileName().toString()))
          .as("only the daemons' slots for answering starts, no demand noted").containsExactly("daemons");
    }
  }

  /**
   * By default the first new daemon is not followed by a spare (one container, or a node-wide
   * daemon that answers the rest, would have it idle beside it); a second within the idle time is.
   */
  @Test
  void byDefaultASpareFollowsTheSecondNewDaemonNotTheFirst() throws Exception {
    Map<String, String> env = defaultEnv();
    Path bundle = bundle();
    start(bundle, env, "first", List.of());
    awaitFile(spares().resolve("demand"));
    Thread.sleep(1000); // the launcher's background call has had its time
    assertThat(spareProcesses()).as("no spare after the first new daemon").isEmpty();
    assertThat(bundle.resolve(".shim4j-new-daemon")).as("the JVM's word, taken").doesNotExist();

    String second = start(env);

    long spare = awaitSpare(Optional.empty());
    assertThat(spare).isNotEqualTo(shimPid(second));
  }

  /**
   * A start that finds no spare ready, but one well on its way (started for the container before
   * it), waits for it: it is ready sooner than a JVM of the start's own would be.
   */
  @Test
  void aStartWaitsForASpareWellOnItsWay() throws Exception {
    Map<String, String> env = slowBootEnv();
    start(env);
    long booting = awaitBootingSpare();
    awaitAge(booting, Duration.ofMillis(200));
    assertThat(spares().resolve(Long.toString(booting)).resolve("request")).as("still booting").doesNotExist();

    String second = start(env);

    assertThat(shimPid(second)).isEqualTo(booting);
  }

  /**
   * A start that comes while the spare is still booting shows that starts outrun one spare: the
   * launcher records it, and the pool grows to two, started one after the other.
   */
  @Test
  void startsThatOutrunTheSpareLeaveTwo() throws Exception {
    Map<String, String> env = slowBootEnv();
    start(env);
    awaitBootingSpare();

    start(env);

    assertThat(spares().resolve("outran")).exists();
    awaitSpares(2);
    Thread.sleep(2000); // a third would have made its slot by now
    assertThat(spareSlots()).hasSize(2); // (the spare the second start waited for is its daemon now)
  }

  @Test
  void twoSparesFollowANewDaemonWhileStartsOutranOneWithinTheIdleTime() throws Exception {
    Map<String, String> env = outranSecondsAgo(30);

    start(env);

    awaitSpares(2);
  }

  @Test
  void oneSpareFollowsANewDaemonOnceTheOutrunIsOlderThanTheIdleTime() throws Exception {
    Map<String, String> env = outranSecondsAgo(30);
    env.put("SHIM4J_PREFORK_IDLE_SECONDS", "20");

    start(env);

    awaitSpare(Optional.empty());
    Thread.sleep(2000); // a second would be booting by now
    assertThat(spareProcesses()).hasSize(1);
  }

  /**
   * The record of a start that outran the spare {@code seconds} ago; returns an environment with
   * spares after every new daemon and no daemon answering starts.
   */
  private Map<String, String> outranSecondsAgo(long seconds) throws IOException {
    Files.createDirectories(spares());
    Files.writeString(spares().resolve("outran"), Instant.now().getEpochSecond() - seconds + "\n");
    Map<String, String> env = preforkEnv();
    env.put("SHIM4J_WARM_STARTS", "0");
    return env;
  }

  /**
   * Spares (and cold starts) whose JVM takes ~0.5 s to boot (its heap is touched up front); no
   * daemon answers starts, so that a spare is the only way around a cold start.
   */
  private Map<String, String> slowBootEnv() {
    Map<String, String> env = preforkEnv();
    env.put("SHIM4J_JAVA_OPTS", "-Xms512m -Xmx512m -XX:+AlwaysPreTouch");
    env.put("SHIM4J_WARM_STARTS", "0");
    // A start waits a second by default; such a spare, on a loaded CI machine, may need more.
    env.put("SHIM4J_PREFORK_WAIT_MS", "20000");
    return env;
  }

  /**
   * Waits until process {@code pid} has run for {@code age}, as the launcher tells it: its start
   * time in /proc/PID/stat against /proc/uptime (ProcessHandle's start instant goes through the
   * boot time, rounded to the second).
   */
  private static void awaitAge(long pid, Duration age) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    long startedTicks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
    while (true) {
      String uptime = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
      long ranMillis = Long.parseLong(uptime.replace(".", "")) * 10 - startedTicks * 10;
      if (ranMillis >= age.toMillis()) {
        return;
      }
      Thread.sleep(age.toMillis() - ranMillis);
    }
  }

  /** Containers started together would each start a spare before the first has made its slot. */
  @Test
  void startsTogetherLeaveOneSpare() throws Exception {
    List<Path> bundles = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      bundles.add(bundle());
    }
    try (ExecutorService pool = Executors.newFixedThreadPool(bundles.size())) {
      List<Future<String>> starts = new ArrayList<>();
      for (Path bundle : bundles) {
        starts.add(pool.submit(() -> start(bundle, preforkEnv(), bundle.getFileName().toString(), List.of())));
      }
      for (Future<String> start : starts) {
        start.get();
      }
    }

    awaitSpare(Optional.empty());
    Thread.sleep(2000); // any second spare would be booting by now
    assertThat(spareProcesses()).hasSize(1);
    assertThat(spares().resolve("spawning")).as("released by the spare").doesNotExist();
  }

  /**
   * A spare lives for the process that ran the launcher that started it (containerd): it exits,
   * and takes its slot along, when that one is gone.
   */
  @Test
  void aSpareExitsWhenTheProcessItWasStartedForIsGone() throws Exception {
    Path bundle = bundle();
    List<String> command =
        new ArrayList<>(List.of("bash", "-c", "\"$@\" </dev/null >answer; exec sleep 60", "bash"));
    command.addAll(startCommand("watched", List.of()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(bundle.toFile());
    builder.environment().putAll(preforkEnv());
    Process containerd = builder.start();
    try {
      long spare = awaitSpare(Optional.empty());
      sockets.add(Path.of(Files.readString(bundle.resolve("address")).substring("unix://".length())));

      containerd.destroyForcibly().waitFor();

      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (ProcessHandle.of(spare).map(ProcessHandle::isAlive).orElse(false)
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(ProcessHandle.of(spare).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
      assertThat(spares().resolve(Long.toString(spare))).doesNotExist();
    } finally {
      containerd.destroyForcibly();
    }
  }

  /**
   * A cold start that finds its group's daemon serving made no new daemon: no spare follows it,
   * however recent the last new daemon (here a daemon in another environment leaves it cold).
   */
  @Test
  void aColdStartThatJoinsAServedGroupIsNoNewDaemon() throws Exception {
    String first = start(defaultEnv(), "pod");
    awaitDaemonSlot(shimPid(first));
    Map<String, String> other = defaultEnv();
    other.put("SHIM4J_PREFORK_TEST_OTHER", "1");
    Path bundle = bundle();

    String again = start(bundle, other, "pod", List.of());

    assertThat(again).isEqualTo(first);
    Thread.sleep(1000); // the launcher's background call has had its time
    assertThat(spareProcesses()).isEmpty();
    assertThat(bundle.resolve(".shim4j-new-daemon")).doesNotExist();
  }

  /**
   * Without spares, a live daemon answers a start whose group it finds served (a pod's or the
   * node's daemon): no JVM starts for it.
   */
  @Test
  void aDaemonAnswersAStartWhoseGroupItFindsServed() throws Exception {
    Map<String, String> env = defaultEnv();
    Path daemonBundle = bundle();
    String first = start(daemonBundle, env, "pod", List.of("-debug"));
    long daemon = shimPid(first);
    awaitDaemonSlot(daemon);

    String again = start(env, "pod");

    assertThat(again).isEqualTo(first);
    awaitLogLine(daemonBundle, "answered the start of pod: " + first);
    assertThat(shimPid(again)).isEqualTo(daemon);
    Thread.sleep(1000); // the launcher's background call has had its time
    assertThat(spareProcesses()).as("no new daemon, so no spare to follow it").isEmpty();
  }

  /**
   * A start that needs a new daemon gets one spawned by the live daemon, as Go's shim spawns its
   * own, from what containerd wrote on stdin (here BootstrapParams naming a socket directory).
   */
  @Test
  void aDaemonSpawnsTheDaemonOfANewGroupFromTheStartsStdin() throws Exception {
    Map<String, String> env = defaultEnv();
    Path daemonBundle = bundle();
    long daemon = shimPid(start(daemonBundle, env, "first", List.of("-debug")));
    awaitDaemonSlot(daemon);

    String address = startWithParams(env, "second");

    awaitLogLine(daemonBundle, "answered the start of second: " + address);
    long spawned = shimPid(address);
    assertThat(spawned).isNotEqualTo(daemon);
    assertThat(ProcessHandle.of(spawned).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
        .contains(daemon);
    // the launcher heard of the new daemon: a second one in a row, so a spare follows by default
    assertThat(awaitSpare(Optional.empty())).isNotIn(daemon, spawned);
  }

  /**
   * A launcher in another environment is left to a cold start, which still reads all of
   * containerd's stdin: the launcher copied it for the daemon to read first.
   */
  @Test
  void aDaemonInAnotherEnvironmentSaysNoAndTheColdStartReadsTheStdin() throws Exception {
    Path daemonBundle = bundle();
    long daemon = shimPid(start(daemonBundle, defaultEnv(), "first", List.of("-debug")));
    awaitDaemonSlot(daemon);
    Map<String, String> other = defaultEnv();
    other.put("SHIM4J_PREFORK_TEST_OTHER", "1");

    String address = startWithParams(other, "second");

    awaitLogLine(daemonBundle, "its launcher runs in another environment");
    long cold = shimPid(address);
    assertThat(cold).isNotEqualTo(daemon);
    assertThat(ProcessHandle.of(cold).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
        .isNotEqualTo(Optional.of(daemon));
  }

  private Map<String, String> preforkEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("SHIM4J_PREFORK", "1");
    env.put("SHIM4J_PREFORK_DIR", tmp.resolve("prefork").toString());
    return env;
  }

  /** A start of {@code id} with BootstrapParams on stdin naming tmp/sockets; returns its address. */
  private String startWithParams(Map<String, String> env, String id) throws Exception {
    Path socketDir = Files.createDirectories(tmp.resolve("sockets"));
    byte[] params = BootstrapParams.newBuilder()
        .setInstanceId(id).setNamespace(NAMESPACE).setSocketDir(socketDir.toString())
        .build().toByteArray();
    String answer = StartAnswer.output(startCommand(id, List.of()), bundle(), env, Optional.of(params),
        DEADLINE).strip();
    assertThat(answer).startsWith("{\"version\":3,\"address\":\"unix://" + socketDir + "/");
    String address = answer.replaceAll(".*\"address\":\"([^\"]+)\".*", "$1");
    sockets.add(Path.of(address.substring("unix://".length())));
    return address;
  }

  @Test
  void aKilledDaemonsSlotIsRemoved() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path slot = Files.createDirectories(spares().resolve("daemons").resolve(Long.toString(gone.pid())));
    assertThat(new ProcessBuilder("mkfifo", slot.resolve("request").toString(), slot.resolve("reply").toString())
        .start().waitFor()).isZero();

    String address = start(defaultEnv());

    assertThat(shimPid(address)).isPositive();
    assertThat(slot).doesNotExist();
  }

  /** Containerd's environment without SHIM4J_PREFORK: the launcher's defaults. */
  private Map<String, String> defaultEnv() {
    Map<String, String> env = preforkEnv();
    env.remove("SHIM4J_PREFORK");
    return env;
  }

  /** The spares of this test (booting or ready): JVMs whose action is prefork in this test's directory. */
  private List<ProcessHandle> spareProcesses() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(args -> args.length > 0 && args[args.length - 1].equals("prefork")
            && String.join(" ", args).contains(tmp.toString())).orElse(false))
        .toList();
  }

  private static void awaitFile(Path file) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!Files.exists(file) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(file).exists();
  }

  private void awaitDaemonSlot(long daemon) throws Exception {
    Path request = spares().resolve("daemons").resolve(Long.toString(daemon)).resolve("request");
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!Files.exists(request) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(request).exists();
  }

  /** Waits for {@code text} in what the daemon of {@code bundle} logged (it logs asynchronously). */
  private void awaitLogLine(Path bundle, String text) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.readString(bundle.resolve("log.txt")).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    assertThat(Files.readString(bundle.resolve("log.txt"))).contains(text);
  }

  private Path spares() {
    return tmp.resolve("prefork").resolve(SKELETON).resolve(NAMESPACE);
  }

  /** Waits for a ready spare other than {@code not}; returns its pid. */
  private long awaitSpare(Optional<Long> not) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.isDirectory(spares())) {
        try (Stream<Path> slots = Files.list(spares())) {
          Optional<Long> ready = slots
              .filter(slot -> Files.exists(slot.resolve("request")))
              .map(slot -> Long.parseLong(slot.getFileName().toString()))
              .filter(pid -> not.map(n -> !n.equals(pid)).orElse(true))
              .findFirst();
          if (ready.isPresent()) {
            return ready.get();
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no spare became ready in " + spares() + " within " + DEADLINE);
  }

  /** The slots of spares, booting or ready (a spare that became a daemon has removed its own). */
  private List<Path> spareSlots() throws IOException {
    try (Stream<Path> slots = Files.list(spares())) {
      return slots.filter(slot -> slot.getFileName().toString().matches("[0-9]+")).toList();
    }
  }

  /** Waits until {@code count} spares are ready. */
  private void awaitSpares(int count) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    long ready = 0;
    while (System.nanoTime() < deadline) {
      try (Stream<Path> slots = Files.list(spares())) {
        ready = slots.filter(slot -> Files.exists(slot.resolve("request"))).count();
      }
      if (ready >= count) {
        return;
      }
      Thread.sleep(100);
    }
    assertThat(ready).as("ready spares in " + spares()).isEqualTo(count);
  }

  /** Waits for a spare that is still booting (no FIFOs yet); returns its pid. */
  private long awaitBootingSpare() throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Long> booting = spareProcesses().stream().map(ProcessHandle::pid)
          .filter(pid -> !Files.exists(spares().resolve(Long.toString(pid)).resolve("request")))
          .findFirst();
      if (booting.isPresent()) {
        return booting.get();
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no spare booting in " + spares() + " within " + DEADLINE);
  }

  /** A spare that served a start is ready for the next once its claim is gone. */
  private void awaitRearmed(Path slot) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (Files.exists(slot.resolve("taken")) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(slot.resolve("taken")).doesNotExist();
    assertThat(slot.resolve("request")).exists();
  }

  private String start(Map<String, String> env) throws Exception {
    return start(env, "prefork-test-" + (bundles + 1));
  }

  private String start(Map<String, String> env, String id) throws Exception {
    return start(bundle(), env, id, List.of());
  }

  /** A bundle as containerd prepares one; its log FIFO is read into {@code log.txt}. */
  private Path bundle() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle-" + (++bundles)));
    Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"annotations\":{}}");
    Path log = bundle.resolve("log");
    assertThat(new ProcessBuilder("mkfifo", log.toString()).start().waitFor()).isZero();
    logReaders.add(new ProcessBuilder("sh", "-c", "exec cat 0<>\"$0\" >\"$0.txt\"", log.toString()).start());
    return bundle;
  }

  private List<String> startCommand(String id, List<String> extra) {
    List<String> command = new ArrayList<>(List.of(DIST.resolve("bin").resolve(SKELETON).toString(),
        "-namespace", NAMESPACE, "-id", id,
        "-address", tmp.resolve("containerd.sock").toString(), "-publish-binary", "/bin/false"));
    command.addAll(extra);
    command.add("start");
    return command;
  }

  /**
   * A start of container {@code id} in {@code bundle}, as containerd 1.6 runs it: stdout and
   * stderr read together. The skeleton groups by id: a second start of one id finds its daemon.
   */
  private String start(Path bundle, Map<String, String> env, String id, List<String> extra) throws Exception {
    String address = StartAnswer.of(startCommand(id, extra), bundle, env, DEADLINE);
    sockets.add(Path.of(address.substring("unix://".length())));
    assertThat(Files.readString(bundle.resolve("address"))).isEqualTo(address);
    return address;
  }

  private long shimPid(String address) throws IOException {
    try (Client client = Client.connect(address)) {
      return new TaskTtrpc.Client(client)
          .connect(ConnectRequest.newBuilder().build(), CallOptions.timeout(DEADLINE))
          .getShimPid();
    }
  }
}
