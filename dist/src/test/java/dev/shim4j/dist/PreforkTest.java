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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's launcher with pre-started daemons ("spares", SHIM4J_PREFORK=1; see
 * dev.shim4j.shim.Prefork): a cold start leaves a spare behind, the next start is answered by it
 * and it becomes that start's daemon; a spare in another environment declines; a dead spare's
 * directory is skipped; without the variable nothing of it happens.
 */
class PreforkTest {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Path DIST = Path.of(System.getProperty("shim4j.dist", "target/shim4j")).toAbsolutePath();
  private static final String SKELETON = "containerd-shim-skeleton-v1";
  private static final String NAMESPACE = "shim4j-prefork-test";

  @TempDir Path tmp;
  private final List<Process> logReaders = new ArrayList<>();
  private final List<Path> sockets = new ArrayList<>();
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
  void aDeadSparesDirectoryIsSkipped() throws Exception {
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
  }

  @Test
  void withoutThePreforkVariableNoSpareIsStarted() throws Exception {
    Map<String, String> env = preforkEnv();
    env.remove("SHIM4J_PREFORK");

    start(env);
    Thread.sleep(2500); // a spare would be started 1 s after the answer

    // only the daemon's own slot for answering starts (see the join tests below)
    try (Stream<Path> slots = Files.list(spares())) {
      assertThat(slots.map(slot -> slot.getFileName().toString())).containsExactly("daemons");
    }
  }

  /**
   * Without spares, a live daemon answers a start whose group it finds served (a pod's or the
   * node's daemon): no JVM starts for it.
   */
  @Test
  void aDaemonAnswersAStartWhoseGroupItFindsServed() throws Exception {
    Map<String, String> env = joinEnv();
    Path daemonBundle = bundle();
    String first = start(daemonBundle, env, "pod", List.of("-debug"));
    long daemon = shimPid(first);
    awaitDaemonSlot(daemon);

    String again = start(env, "pod");

    assertThat(again).isEqualTo(first);
    awaitLogLine(daemonBundle, "answered the start of pod: " + first);
    assertThat(shimPid(again)).isEqualTo(daemon);
  }

  /**
   * A start that needs a new daemon gets one spawned by the live daemon, as Go's shim spawns its
   * own, from what containerd wrote on stdin (here BootstrapParams naming a socket directory).
   */
  @Test
  void aDaemonSpawnsTheDaemonOfANewGroupFromTheStartsStdin() throws Exception {
    Map<String, String> env = joinEnv();
    Path daemonBundle = bundle();
    long daemon = shimPid(start(daemonBundle, env, "first", List.of("-debug")));
    awaitDaemonSlot(daemon);

    String address = startWithParams(env, "second");

    awaitLogLine(daemonBundle, "answered the start of second: " + address);
    long spawned = shimPid(address);
    assertThat(spawned).isNotEqualTo(daemon);
    assertThat(ProcessHandle.of(spawned).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
        .contains(daemon);
  }

  /**
   * A launcher in another environment is left to a cold start, which still reads all of
   * containerd's stdin: the launcher copied it for the daemon to read first.
   */
  @Test
  void aDaemonInAnotherEnvironmentSaysNoAndTheColdStartReadsTheStdin() throws Exception {
    Path daemonBundle = bundle();
    long daemon = shimPid(start(daemonBundle, joinEnv(), "first", List.of("-debug")));
    awaitDaemonSlot(daemon);
    Map<String, String> other = joinEnv();
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

    String address = start(joinEnv());

    assertThat(shimPid(address)).isPositive();
    assertThat(slot).doesNotExist();
  }

  private Map<String, String> joinEnv() {
    Map<String, String> env = preforkEnv();
    env.remove("SHIM4J_PREFORK");
    return env;
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
