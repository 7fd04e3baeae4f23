package dev.shim4j.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.api.bootstrap.v1.BootstrapParams;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.testkit.PackagedShim;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Client;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * The distribution's launcher with pre-started daemons ("spares"; see dev.shim4j.shim.internal.Prefork):
 * with SHIM4J_PREFORK=1 a cold start leaves a spare behind, the next start is answered by it and
 * it becomes that start's daemon; a spare in another environment declines; a dead spare's
 * socket is skipped; a spare goes when the process it was started for (containerd) does. By
 * default a spare follows only the second new daemon within the idle time; with 0 none does. Two
 * spares while starts outrun one. Tens of starts at once at one spare: one answer each, one
 * adoption, and no daemon left that nobody connected to.
 * Also the launcher's other path: a live daemon answers starts (dev.shim4j.shim.internal.WarmStarts).
 * The pool's files are in {@link #spares()}: launcher/src/main/resources/dev/shim4j/launcher/shim4j-start.c says how it is named.
 */
class PreforkTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  /**
   * A spare boots at nice 19: on a machine kept busy by others (CI, parallel builds) it gets a
   * sliver of the CPU, and its JVM's boot can take tens of seconds.
   */
  private static final Duration SPARE_DEADLINE = Duration.ofSeconds(120);
  private static final Path DIST = PackagedShim.directory();
  private static final String SKELETON = "containerd-shim-skeleton-v1";
  private static final String NAMESPACE = "shim4j-prefork-test";

  @TempDir Path tmp;
  private final List<Process> logReaders = new ArrayList<>();
  private final List<Path> sockets = new CopyOnWriteArrayList<>(); // (starts may run in parallel)
  private int bundles;

  @AfterEach
  void cleanUp() throws IOException {
    // daemons and spares of this test: their command lines name this test's directories. Killed
    // and waited for until none is left: a daemon may start a spare between the listing and its
    // death, and one still dying may write into the directory JUnit is about to remove.
    for (int round = 0; round < 20; round++) {
      List<ProcessHandle> ours = ProcessHandle.allProcesses()
          .filter(p -> p.info().arguments().map(args -> String.join(" ", args).contains(tmp.toString()))
              .orElse(false))
          .toList();
      if (ours.isEmpty()) {
        break;
      }
      ours.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle p : ours) {
        try {
          p.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          // a zombie nobody reaps yet, or an interrupt: looked at again next round
        }
      }
    }
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
    assertThat(spares().resolve("spare." + spare)).doesNotExist();
    assertThat(ProcessHandle.of(spare).orElseThrow().info().command()).isPresent();
    long next = awaitSpare(Optional.of(spare));
    assertThat(next).isNotEqualTo(spare);
    // ps shows it as the daemon of its container, as a cold start's daemon: not "... prefork"
    List<String> argv = awaitCommandLineEndingIn(spare, "start");
    assertThat(String.join(" ", argv)).contains("-id prefork-test-2 ")
        .contains("-Ddev.shim4j.pool=" + spares()).doesNotContain("prefork.watch");
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
    Path slot = spares().resolve("spare." + spare);
    assertThat(slot).exists();
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
    assertThat(spares().resolve("spare." + spare)).exists();
    assertThat(ProcessHandle.of(spare).map(ProcessHandle::isAlive)).contains(true);
  }

  /**
   * A connection that says nothing, or garbage, and goes (a launcher killed half way) leaves the
   * spare as it was: there is no claim it could be stuck with; the next start adopts it.
   */
  @Test
  void aLauncherThatVanishesLeavesTheSpareReadyForTheNext() throws Exception {
    start(preforkEnv());
    long spare = awaitSpare(Optional.empty());
    Path socket = spares().resolve("spare." + spare);
    try (SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      // connected, and gone without a word
    }
    try (SocketChannel garbage = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      garbage.write(ByteBuffer.wrap("S4J1\u007f\u007f\u007f\u007f".getBytes(StandardCharsets.ISO_8859_1)));
    }

    assertThat(shimPid(start(preforkEnv()))).isEqualTo(spare);
  }

  /** Tens of starts at once at one spare: each gets one answer, one adopts it, none is left over. */
  @Test
  void tensOfStartsAtOnceGetOneAnswerEachAndOneAdoptsTheSpare() throws Exception {
    Map<String, String> env = preforkEnv();
    env.put("SHIM4J_WARM_STARTS", "0");
    env.put("SHIM4J_JAVA_OPTS", "-Ddev.shim4j.daemon.first-connection-ms=4000");
    start(env);
    long spare = awaitSpare(Optional.empty());
    int starts = 20;
    List<Path> bundles = new ArrayList<>();
    for (int i = 0; i < starts; i++) {
      bundles.add(bundle());
    }
    List<String> addresses = new ArrayList<>();
    try (ExecutorService threads = Executors.newFixedThreadPool(starts)) {
      List<Future<String>> answers = new ArrayList<>();
      for (Path bundle : bundles) {
        answers.add(threads.submit(() -> start(bundle, env, "many-" + bundle.getFileName(), List.of())));
      }
      for (Future<String> answer : answers) {
        addresses.add(answer.get()); // (each checked to be exactly one address)
      }
    }
    assertThat(addresses).doesNotHaveDuplicates();
    assertThat(String.join(" ", awaitCommandLineEndingIn(spare, "start"))).as("adopted").contains("-id many-");
    // the adopted spare serves one of them; nobody connects to the others' daemons, so they go
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    List<ProcessHandle> left;
    do {
      Thread.sleep(200);
      left = ProcessHandle.allProcesses()
          .filter(p -> p.info().arguments().map(args -> String.join(" ", args).contains("-id many-"))
              .orElse(false))
          .toList();
    } while (!left.isEmpty() && System.nanoTime() < deadline);
    assertThat(left).as("daemons nobody connected to").isEmpty();
    assertThat(ProcessHandle.of(spare).map(ProcessHandle::isAlive)).as("the adopted spare went too")
        .isNotEqualTo(Optional.of(true));
  }

  @Test
  void aDeadSparesSocketIsSkippedThenRemoved() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path socket = spares().resolve("spare." + gone.pid());
    bindAndClose(socket);

    long began = System.nanoTime();
    String address = start(preforkEnv());

    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(5));
    assertThat(shimPid(address)).isPositive();
    awaitSpare(Optional.empty()); // the pool's bookkeeping ran
    assertThat(socket).doesNotExist();
  }

  /** A socket file nobody listens on any more, as a process killed outright leaves. */
  private void bindAndClose(Path socket) throws IOException {
    Files.createDirectories(socket.getParent());
    Files.setPosixFilePermissions(socket.getParent().getParent(), PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx------"));
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      listener.bind(UnixDomainSocketAddress.of(socket));
    }
  }

  @Test
  void withPreforkZeroNoSpareIsStarted() throws Exception {
    Map<String, String> env = preforkEnv();
    env.put("SHIM4J_PREFORK", "0");
    start(env);
    long daemon = shimPid(start(env)); // a second new daemon: by default one would follow
    awaitDaemonSlot(daemon);

    assertThat(spareProcesses()).isEmpty();
    try (Stream<Path> files = Files.list(spares())) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .as("no spare, no demand noted").noneMatch(name -> name.startsWith("spare.") || name.equals("demand"));
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
    Thread.sleep(1000); // the daemon's background call has had its time
    assertThat(spareProcesses()).as("no spare after the first new daemon").isEmpty();

    String second = start(env);

    long spare = awaitSpare(Optional.empty());
    assertThat(spare).isNotEqualTo(shimPid(second));
  }

  /**
   * A start that comes while the spare boots (its socket bound, not yet accepting) waits in the
   * socket's backlog, rather than starting a JVM of its own.
   */
  @Test
  void aStartWaitsForABootingSpare() throws Exception {
    Map<String, String> env = slowBootEnv();
    start(env);
    long booting = awaitSpare(Optional.empty());

    String second = start(env);

    assertThat(shimPid(second)).isEqualTo(booting);
  }

  /**
   * A start that made a new daemon without the spare (it was booting or taken) shows that starts
   * outrun one spare: the pool records it and grows to two.
   */
  @Test
  void startsThatOutrunTheSpareLeaveTwo() throws Exception {
    Map<String, String> env = slowBootEnv();
    env.put("SHIM4J_PREFORK_WAIT_MS", "0"); // the second start does not wait for the spare
    start(env);
    awaitBootingSpare();

    start(env);

    awaitFile(spares().resolve("outran"));
    awaitSpares(2);
    Thread.sleep(2000); // a third would have bound its socket by now
    assertThat(spareProcesses()).hasSize(2);
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
    bindAndClose(spares().resolve("spare.0")); // (makes the pool directory)
    Files.delete(spares().resolve("spare.0"));
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
    // and its first start, run while it still warms up, may take longer than the 10 s by default
    env.put("SHIM4J_START_REPLY_MS", "60000");
    return env;
  }

  /**
   * Containers started together each made a new daemon: the pool's lock has them count each
   * other's spares, and the ones that went cold beside the first one's spare make it two, no more.
   */
  @Test
  void startsTogetherLeaveTwoSpares() throws Exception {
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

    awaitSpares(2);
    Thread.sleep(2000); // any third spare would be booting by now
    assertThat(spareProcesses()).hasSize(2);
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
      assertThat(spares().resolve("spare." + spare)).doesNotExist();
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
    Thread.sleep(1000); // a daemon's background call would have had its time
    assertThat(spareProcesses()).isEmpty();
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
    awaitLogLine(daemonBundle, "start of pod answered " + first);
    assertThat(shimPid(again)).isEqualTo(daemon);
    Thread.sleep(1000); // a daemon's background call would have had its time
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

    awaitLogLine(daemonBundle, "start of second answered {\\\"version\\\":3,\\\"address\\\":\\\"" + address);
    long spawned = shimPid(address);
    assertThat(spawned).isNotEqualTo(daemon);
    assertThat(ProcessHandle.of(spawned).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
        .contains(daemon);
    // the daemon counted the new daemon: a second one in a row, so a spare follows by default
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
  void aKilledDaemonsSocketIsSkipped() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    bindAndClose(spares().resolve("daemon." + gone.pid()));

    String address = start(defaultEnv());

    assertThat(shimPid(address)).isPositive();
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
    Path request = spares().resolve("daemon." + daemon);
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

  /** The pool of this test's starts (see {@link PoolDirs}). */
  private Path spares() {
    return PoolDirs.of(tmp.resolve("prefork"), tmp.resolve("containerd.sock").toString(), SKELETON, NAMESPACE);
  }

  private List<Long> spareSockets() throws IOException {
    if (!Files.isDirectory(spares())) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(spares())) {
      return files.map(file -> file.getFileName().toString())
          .filter(name -> name.matches("spare\\.[0-9]+"))
          .map(name -> Long.parseLong(name.substring("spare.".length())))
          .filter(pid -> ProcessHandle.of(pid).isPresent())
          .toList();
    }
  }

  /** Waits for a spare (its socket bound, so starts may come) other than {@code not}; its pid. */
  private long awaitSpare(Optional<Long> not) throws Exception {
    long deadline = System.nanoTime() + SPARE_DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Long> ready = spareSockets().stream()
          .filter(pid -> not.map(n -> !n.equals(pid)).orElse(true))
          .findFirst();
      if (ready.isPresent()) {
        return ready.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no spare in " + spares() + " within " + SPARE_DEADLINE);
  }

  /** Waits until {@code count} spares have bound their sockets. */
  private void awaitSpares(int count) throws Exception {
    long deadline = System.nanoTime() + SPARE_DEADLINE.toNanos();
    while (spareSockets().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(spareSockets()).as("spares in " + spares()).hasSize(count);
  }

  /** Waits for a spare process that has not bound its socket yet; returns its pid. */
  private long awaitBootingSpare() throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Long> booting = spareProcesses().stream().map(ProcessHandle::pid)
          .filter(pid -> !Files.exists(spares().resolve("spare." + pid)))
          .findFirst();
      if (booting.isPresent()) {
        return booting.get();
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no spare booting in " + spares() + " within " + DEADLINE);
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
