package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.shim4j.api.Anys;
import dev.shim4j.api.cgroups.v1.Metrics;
import dev.shim4j.api.task.v2.CheckpointTaskRequest;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.DeleteRequest;
import dev.shim4j.api.task.v2.ExecProcessRequest;
import dev.shim4j.api.task.v2.KillRequest;
import dev.shim4j.api.task.v2.ResizePtyRequest;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.StartRequest;
import dev.shim4j.api.task.v2.StateRequest;
import dev.shim4j.api.task.v2.StateResponse;
import dev.shim4j.api.task.v2.StatsRequest;
import dev.shim4j.api.task.v2.StatsResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.task.v2.UpdateTaskRequest;
import dev.shim4j.api.task.v2.WaitRequest;
import dev.shim4j.api.task.v2.WaitResponse;
import dev.shim4j.api.types.task.Status;
import dev.shim4j.runc.Json;
import dev.shim4j.shim.internal.ShimAddress;
import dev.shim4j.testkit.CtrEvents;
import dev.shim4j.testkit.ContainerdRelease;
import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.OnEveryContainerd;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.testkit.StartAnswers;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runc4j shim under a real containerd with runc and a busybox image, driven by ctr: one
 * private containerd for the class, a unique container id per case. The leak check runs last.
 * The build runs it on every supported containerd ({@link OnEveryContainerd}); where a release's
 * ctr or containerd behaves differently, a case compares runc4j with Go's runc shim on the same
 * containerd rather than with one release's text.
 */
@OnEveryContainerd
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuncShimE2eTest {
  static PrivateContainerd cd;
  static Path shim;
  static String image;

  @BeforeAll
  static void setUp() {
    shim = E2eSupport.launcher();
    cd = PrivateContainerd.start();
    image = cd.busyboxImage();
  }

  @AfterAll
  static void tearDown() {
    if (cd != null) {
      cd.close();
    }
  }

  private static String[] args(String first, String... rest) {
    List<String> a = new ArrayList<>();
    a.add(first);
    if (first.equals("run")) {
      a.add("--runtime");
      a.add(shim.toString());
    }
    a.addAll(List.of(rest));
    return a.toArray(String[]::new);
  }

  private static CtrResult run(String... rest) {
    return cd.ctr(args("run", rest));
  }

  private static String why(CtrResult r) {
    String log = cd.log();
    return r + "\n--- containerd log tail ---\n" + log.substring(Math.max(0, log.length() - 6000));
  }

  /** ctr run -d ID sleep-forever, then waits until the task runs. */
  private static void runDetached(String id, String... cmd) {
    List<String> a = new ArrayList<>(List.of("-d", image, id));
    a.addAll(cmd.length == 0 ? List.of("sleep", "3600") : List.of(cmd));
    CtrResult r = run(a.toArray(String[]::new));
    assertThat(r.exitCode()).as(why(r)).isZero();
  }

  private static String taskStatus(String id) {
    for (String line : cd.ctrOk("task", "ls").lines()) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && f[0].equals(id)) {
        return f[2];
      }
    }
    return "";
  }

  private static void killAndRemove(String id) {
    cd.ctr("task", "kill", "-s", "KILL", id);
    try {
      E2eSupport.eventually(Duration.ofSeconds(10), () -> !taskStatus(id).equals("RUNNING"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    cd.ctr("task", "rm", "-f", id);
    cd.ctr("container", "rm", id);
  }

  /** Runs a command line under `script` so ctr gets a terminal (ctr -t needs one). */
  private static String underPty(String command, Duration timeout) throws Exception {
    Process p = new ProcessBuilder("script", "-qfec", command, "/dev/null")
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return "";
      }
    });
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("under a pty, did not finish: " + command + "\n" + out.getNow(""));
    }
    p.getOutputStream().close();
    return out.get(10, TimeUnit.SECONDS);
  }

  private static String ctrLine(String... args) {
    StringBuilder sb = new StringBuilder();
    for (String a : cd.ctrCommand(args)) {
      sb.append('\'').append(a.replace("'", "'\\''")).append("' ");
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------ run

  @Test
  @Order(1)
  void echoPrintsAndExitsZero() {
    CtrResult r = run("--rm", image, E2eSupport.id("echo"), "/bin/echo", "hi");
    assertThat(r.exitCode()).as(why(r)).isZero();
    assertThat(r.stdout()).isEqualTo("hi\n");
  }

  /** The bootstrap answer this containerd got: a plain address on 1.6, JSON naming v2 on 1.7 and 2.1. */
  @Test
  @Order(1)
  void startAnswersAreTheFormThisContainerdAsks() {
    CtrResult r = run("--rm", image, E2eSupport.id("answer"), "/bin/true");
    assertThat(r.exitCode()).as(why(r)).isZero();
    StartAnswers.assertAsTheReleaseAsks(cd);
  }

  @Test
  @Order(2)
  void exitCodeIsPropagated() {
    CtrResult r = run("--rm", image, E2eSupport.id("exit"), "sh", "-c", "exit 3");
    assertThat(r.exitCode()).as(why(r)).isEqualTo(3);
  }

  /**
   * A process that exits the moment it starts races its own Start: the exit handler marks it
   * stopped while Start marks it running. Twice in ~250 runs on a busy machine the start won,
   * and containerd's Delete then found the dead container "running" (ContainerProcess#status).
   */
  @Test
  @Order(2)
  void containersThatExitAtOnceAreDeletedEveryTime() {
    for (int round = 0; round < 20; round++) {
      CtrResult r = run("--rm", image, E2eSupport.id("quick"), "/bin/true");
      assertThat(r.exitCode()).as("round %d: %s", round, why(r)).isZero();
    }
  }

  @Test
  @Order(3)
  void stdinReachesTheContainer() {
    byte[] input = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
    CtrResult r = cd.ctr(Duration.ofSeconds(60), input, args("run", "--rm", image, E2eSupport.id("stdin"), "cat"));
    assertThat(r.exitCode()).as(why(r)).isZero();
    assertThat(r.stdout()).isEqualTo("line one\nline two\n");
  }

  @Test
  @Order(4)
  void stderrIsKeptApartFromStdout() {
    CtrResult r = run("--rm", image, E2eSupport.id("stderr"), "sh", "-c", "echo out; echo err >&2");
    assertThat(r.exitCode()).as(why(r)).isZero();
    assertThat(r.stdout()).isEqualTo("out\n");
    assertThat(r.stderr()).contains("err");
  }

  @Test
  @Order(5)
  void fiveMegabytesOfOutputArriveIntact() throws Exception {
    int size = 5 * 1024 * 1024;
    // A deterministic stream: busybox's seq, which the test can recompute exactly.
    CtrResult r = run("--rm", image, E2eSupport.id("big"), "sh", "-c", "seq 1 2000000 | head -c " + size);
    assertThat(r.exitCode()).as(why(r)).isZero();
    StringBuilder expected = new StringBuilder();
    for (int i = 1; expected.length() < size; i++) {
      expected.append(i).append('\n');
    }
    expected.setLength(size);
    assertThat(r.stdout().length()).isEqualTo(size);
    assertThat(sha256(r.stdout())).isEqualTo(sha256(expected.toString()));
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  @Order(6)
  void ttyRunGetsAPseudoTerminal() throws Exception {
    String id = E2eSupport.id("tty");
    String out = underPty(ctrLine(args("run", "-t", "--rm", image, id, "sh", "-c", "tty; stty size; echo tty-done")), Duration.ofSeconds(60));
    assertThat(out).as(out).contains("/dev/pts/").contains("tty-done");
  }

  @Test
  @Order(7)
  void detachedContainerStopsOnTermWithItsExitStatus() throws Exception {
    String id = E2eSupport.id("term");
    Process attached = cd.startCtr(args("run", "--rm", image, id, "sh", "-c",
        "trap 'exit 42' TERM; echo ready; while true; do sleep 0.1; done"));
    assertThat(E2eSupport.eventually(Duration.ofSeconds(30), () -> taskStatus(id).equals("RUNNING"))).isTrue();
    Thread.sleep(300); // let the trap be installed
    cd.ctrOk("task", "kill", "-s", "TERM", id);
    assertThat(attached.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(attached.exitValue()).isEqualTo(42);
  }

  @Test
  @Order(8)
  void detachedLifecycleKillAndDelete() throws Exception {
    String id = E2eSupport.id("detach");
    runDetached(id);
    assertThat(taskStatus(id)).isEqualTo("RUNNING");
    cd.ctrOk("task", "kill", "-s", "KILL", id);
    assertThat(E2eSupport.eventually(Duration.ofSeconds(15), () -> taskStatus(id).equals("STOPPED"))).isTrue();
    CtrResult again = cd.ctr("task", "kill", "-s", "KILL", id);
    cd.ctrOk("task", "rm", id);
    cd.ctrOk("container", "rm", id);
    assertThat(taskStatus(id)).isEmpty();
    assertThat(again.exitCode()).as("killing a stopped task fails").isNotZero();
    // containerd 1.x rewrites the class suffix of a shim's error text, 2.x passes the text on as
    // it is: what ctr prints must be what it prints for Go's shim on the same containerd.
    assertThat(again.stderr().replace(id, "ID")).isEqualTo(goShimKillingAStoppedTask());
  }

  @Test
  @Order(9)
  void fileLogUriAppendsOutputToTheFile() throws Exception {
    Path log = cd.dir().resolve("logs").resolve("file-uri.log");
    CtrResult r = run("--rm", "--log-uri", "file://" + log, image, E2eSupport.id("filelog"),
        "sh", "-c", "echo to-file; echo err-to-file >&2");
    assertThat(r.exitCode()).as(why(r)).isZero();
    assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> {
      try {
        return Files.readString(log).contains("to-file\n") && Files.readString(log).contains("err-to-file\n");
      } catch (java.io.IOException e) {
        return false;
      }
    })).as("log file " + log).isTrue();
  }

  @Test
  @Order(9)
  void binaryLogUriFeedsTheLoggingBinary() throws Exception {
    Path dir = Files.createDirectories(cd.dir().resolve("binlog"));
    Path logger = dir.resolve("logger.sh");
    Files.writeString(logger, String.join("\n",
        "#!/bin/bash",
        "# fd 3: stdout, fd 4: stderr, fd 5: ready (closed once we read)",
        "out=\"$2\"",
        "echo \"$CONTAINER_ID $CONTAINER_NAMESPACE\" > \"$out/env\"",
        "exec 5>&-",
        "cat <&3 > \"$out/stdout.tmp\" &",
        "cat <&4 > \"$out/stderr.tmp\" &",
        "wait",
        "mv \"$out/stdout.tmp\" \"$out/stdout\"; mv \"$out/stderr.tmp\" \"$out/stderr\"",
        ""));
    logger.toFile().setExecutable(true);
    String id = E2eSupport.id("binlog");
    CtrResult r = run("--rm", "--log-uri", "binary://" + logger + "?dir=" + dir, image, id,
        "sh", "-c", "echo via-binary; echo err-via-binary >&2");
    assertThat(r.exitCode()).as(why(r)).isZero();
    assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> Files.exists(dir.resolve("stderr")))).isTrue();
    assertThat(Files.readString(dir.resolve("stdout"))).isEqualTo("via-binary\n");
    assertThat(Files.readString(dir.resolve("stderr"))).isEqualTo("err-via-binary\n");
    assertThat(Files.readString(dir.resolve("env")).strip()).isEqualTo(id + " " + cd.namespace());
  }

  @Test
  @Order(9)
  void ttyResizeReachesThePty() throws Exception {
    String id = E2eSupport.id("resize");
    // ctr sizes the container's pty from its own terminal (ResizePty) right after Start: give
    // that terminal a size, and let the container look only after ctr had time to resize.
    String out = underPty("stty cols 123 rows 45; " + ctrLine(args("run", "-t", "--rm", image, id, "sh", "-c", "sleep 1; stty size")),
        Duration.ofSeconds(60));
    assertThat(out).as(out).contains("45 123");
  }

  // ------------------------------------------------------------------ exec

  @Test
  @Order(10)
  void execRunsInTheContainer() {
    String id = E2eSupport.id("exec");
    runDetached(id);
    try {
      CtrResult r = cd.ctr("task", "exec", "--exec-id", "e1", id, "sh", "-c", "echo from-exec; echo to-err >&2; exit 5");
      assertThat(r.exitCode()).as(why(r)).isEqualTo(5);
      assertThat(r.stdout()).isEqualTo("from-exec\n");
      assertThat(r.stderr()).contains("to-err");
    } finally {
      killAndRemove(id);
    }
  }

  @Test
  @Order(11)
  void execWithStdin() {
    String id = E2eSupport.id("execin");
    runDetached(id);
    try {
      CtrResult r = cd.ctr(Duration.ofSeconds(60), "via exec stdin\n".getBytes(StandardCharsets.UTF_8),
          "task", "exec", "--exec-id", "e2", id, "cat");
      assertThat(r.exitCode()).as(why(r)).isZero();
      assertThat(r.stdout()).isEqualTo("via exec stdin\n");
    } finally {
      killAndRemove(id);
    }
  }

  @Test
  @Order(12)
  void execWithTty() throws Exception {
    String id = E2eSupport.id("exectty");
    runDetached(id);
    try {
      String out = underPty(ctrLine("task", "exec", "-t", "--exec-id", "e3", id, "sh", "-c", "tty; echo exec-tty-done"), Duration.ofSeconds(60));
      assertThat(out).as(out).contains("/dev/pts/").contains("exec-tty-done");
    } finally {
      killAndRemove(id);
    }
  }

  /**
   * containerd's client sends the request's terminal and the process spec as the caller built
   * it: an Exec with a terminal whose spec says {@code terminal: false} gets a pty all the same.
   */
  @Test
  @Order(12)
  void execTerminalComesFromTheRequestNotTheSpec(@TempDir Path dir) throws Exception {
    String id = E2eSupport.id("exectermspec");
    runDetached(id);
    Path bundle = E2eSupport.bundle(cd, id);
    String address = Files.readString(bundle.resolve("address")).strip();
    Map<String, Object> process = Json.object(Json.parseObject(Files.readString(bundle.resolve("config.json"))), "process");
    process.put("terminal", false);
    process.put("args", List.of("sh", "-c", "test -t 0 && test -t 1 && echo on-a-tty"));
    Path out = dir.resolve("out.log");
    try (dev.shim4j.ttrpc.Client conn = dev.shim4j.ttrpc.Client.connect(address)) {
      TaskTtrpc.Client task = new TaskTtrpc.Client(conn);
      task.exec(ExecProcessRequest.newBuilder().setId(id).setExecId("tty-by-request").setTerminal(true)
          .setStdout("file://" + out)
          .setSpec(Anys.json(Anys.OCI_PROCESS, Json.write(process)))
          .build());
      task.start(StartRequest.newBuilder().setId(id).setExecId("tty-by-request").build());
      WaitResponse w = task.wait(WaitRequest.newBuilder().setId(id).setExecId("tty-by-request").build());
      assertThat(w.getExitStatus()).isZero();
      assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> readQuietly(out).contains("on-a-tty")))
          .as(readQuietly(out)).isTrue();
      task.delete(DeleteRequest.newBuilder().setId(id).setExecId("tty-by-request").build());
    } finally {
      killAndRemove(id);
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /**
   * {@code echo line | ctr task exec ...}: ctr sends CloseIO as soon as its input ends, which may
   * be before the shim started copying stdin (the input ends after 0 to 0.39 s here, to land in
   * every part of the exec's start). Every run must still read its line.
   */
  @Test
  @Order(12)
  void execStdinIsNeverLostToAnEarlyCloseIo() throws Exception {
    String id = E2eSupport.id("execin60");
    runDetached(id);
    int runs = 60;
    try {
      String script = "for i in $(seq 1 " + runs + "); do"
          + " out=$( (echo line-$i; sleep 0.$((i % 4))$((i % 10))) | timeout 30 " + ctrLine("task", "exec", "--exec-id") + " in$i " + id
          + " sh -c 'read x; echo $x' 2>&1); echo \"$i:$out\"; done";
      Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          return "";
        }
      });
      assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
      List<String> lines = out.get(10, TimeUnit.SECONDS).lines().toList();
      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= runs; i++) {
        expected.add(i + ":line-" + i);
      }
      assertThat(lines).isEqualTo(expected);
    } finally {
      killAndRemove(id);
    }
  }

  @Test
  @Order(13)
  void pidsListInitAndExecs() throws Exception {
    String id = E2eSupport.id("pids");
    runDetached(id);
    Process exec = cd.startCtr("task", "exec", "--exec-id", "sleeper", id, "sleep", "300");
    try {
      assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> cd.ctrOk("task", "ps", id).stdout().contains("sleeper"))).isTrue();
      CtrResult ps = cd.ctrOk("task", "ps", id);
      // PID INFO: init without details, the exec with its ProcessDetails
      assertThat(ps.lines().stream().filter(l -> l.trim().matches("\\d+.*")).count()).as(ps.stdout()).isEqualTo(2);
    } finally {
      exec.destroy();
      killAndRemove(id);
    }
  }

  @Test
  @Order(14)
  void killAllStopsEveryProcess() throws Exception {
    String id = E2eSupport.id("killall");
    runDetached(id);
    Process exec = cd.startCtr("task", "exec", "--exec-id", "bg", id, "sleep", "300");
    try {
      assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> cd.ctrOk("task", "ps", id).stdout().contains("bg"))).isTrue();
      cd.ctrOk("task", "kill", "--all", "-s", "KILL", id);
      assertThat(E2eSupport.eventually(Duration.ofSeconds(15), () -> taskStatus(id).equals("STOPPED"))).isTrue();
      assertThat(exec.waitFor(15, TimeUnit.SECONDS)).as("the exec's ctr ends too").isTrue();
    } finally {
      killAndRemove(id);
    }
  }

  @Test
  @Order(15)
  void initExitKillsWhatIsLeftWithoutAPidNamespace() throws Exception {
    // In the host's pid namespace the kernel does not end the container's other processes with
    // init: the shim must (runc kill --all) as soon as init exits, before any delete.
    String marker = Integer.toString(3000 + (int) (ProcessHandle.current().pid() % 1000));
    String id2 = E2eSupport.id("hostpid");
    CtrResult r = run("-d", "--with-ns", "pid:/proc/" + ProcessHandle.current().pid() + "/ns/pid", image, id2,
        "sh", "-c", "sleep " + marker + " & sleep 1");
    assertThat(r.exitCode()).as(why(r)).isZero();
    try {
      assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> taskStatus(id2).equals("STOPPED"))).isTrue();
      assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> ProcessHandle.allProcesses()
          .noneMatch(h -> ShimProcesses.argv(h.pid()).equals(List.of("sleep", marker)))))
          .as("the background sleep " + marker + " was killed when init exited").isTrue();
    } finally {
      killAndRemove(id2);
    }
  }

  /**
   * Init killed in the host's pid namespace while its children hold its stdio open: they are
   * killed first, and the exit comes once they are gone, not after the output drain gave up.
   */
  @Test
  @Order(15)
  void initExitWithoutAPidNamespaceKillsTheChildrenBeforeTheExit() throws Exception {
    long base = 5000 + ProcessHandle.current().pid() % 1000 * 2;
    List<String> children = List.of(Long.toString(base), Long.toString(base + 1));
    String id = E2eSupport.id("hostpidkids");
    CtrResult r = run("-d", "--with-ns", "pid:/proc/" + ProcessHandle.current().pid() + "/ns/pid", image, id,
        "sh", "-c", "sleep " + children.get(0) + " & sleep " + children.get(1) + " & exec sleep 3600");
    assertThat(r.exitCode()).as(why(r)).isZero();
    try {
      assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> sleepersOf(children).size() == 2)).isTrue();
      // ctr 1.6 has no `task wait`: Wait on the shim's socket, as containerd's would.
      String address = Files.readString(E2eSupport.bundle(cd, id).resolve("address")).strip();
      try (dev.shim4j.ttrpc.Client conn = dev.shim4j.ttrpc.Client.connect(address)) {
        TaskTtrpc.Client task = new TaskTtrpc.Client(conn);
        CompletableFuture<List<Long>> aliveAtExit = CompletableFuture.supplyAsync(() -> {
          try {
            task.wait(WaitRequest.newBuilder().setId(id).build());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          return sleepersOf(children);
        });
        Thread.sleep(300); // the Wait is under way
        long killed = System.nanoTime();
        cd.ctrOk("task", "kill", "-s", "KILL", id);
        assertThat(aliveAtExit.get(60, TimeUnit.SECONDS)).as("children alive when the exit came").isEmpty();
        Duration took = Duration.ofNanos(System.nanoTime() - killed);
        assertThat(took).as("the exit waited out the output drain").isLessThan(Container.DRAIN_TIMEOUT);
      }
    } finally {
      killAndRemove(id);
    }
  }

  private static List<Long> sleepersOf(List<String> durations) {
    return ProcessHandle.allProcesses()
        .filter(h -> durations.stream().anyMatch(d -> ShimProcesses.argv(h.pid()).equals(List.of("sleep", d))))
        .map(ProcessHandle::pid)
        .toList();
  }

  // ------------------------------------------------------------------ control

  @Test
  @Order(20)
  void pauseAndResume() throws Exception {
    String id = E2eSupport.id("pause");
    runDetached(id);
    try {
      cd.ctrOk("task", "pause", id);
      assertThat(taskStatus(id)).isEqualTo("PAUSED");
      cd.ctrOk("task", "resume", id);
      assertThat(taskStatus(id)).isEqualTo("RUNNING");
    } finally {
      killAndRemove(id);
    }
  }

  @Test
  @Order(21)
  void metricsReportTheCgroup() {
    String id = E2eSupport.id("metrics");
    runDetached(id);
    try {
      CtrResult m = cd.ctr("task", "metrics", id);
      assertThat(m.exitCode()).as(why(m)).isZero();
      assertThat(m.stdout()).contains("pids.current").contains("memory.usage_in_bytes");
    } finally {
      killAndRemove(id);
    }
  }

  @Test
  @Order(22)
  void eventsComeInTheProtocolOrder() throws Exception {
    String id = E2eSupport.id("events");
    CtrEvents events = CtrEvents.start(cd);
    List<String> lines = events.lines();
    runDetached(id);
    CtrResult exec = cd.ctr("task", "exec", "--exec-id", "ev1", id, "true");
    assertThat(exec.exitCode()).as(why(exec)).isZero();
    // A second exec still runs when init dies: the kernel kills it with init (own pid namespace),
    // and its exit must still be published before init's.
    Process running = cd.startCtr("task", "exec", "--exec-id", "ev2", id, "sleep", "300");
    assertThat(E2eSupport.eventually(Duration.ofSeconds(20),
        () -> lines.stream().anyMatch(l -> l.contains("/tasks/exec-started") && l.contains("\"ev2\"")))).isTrue();
    cd.ctrOk("task", "kill", "-s", "KILL", id);
    assertThat(E2eSupport.eventually(Duration.ofSeconds(15), () -> taskStatus(id).equals("STOPPED"))).isTrue();
    assertThat(running.waitFor(15, TimeUnit.SECONDS)).isTrue();
    cd.ctrOk("task", "rm", id);
    cd.ctrOk("container", "rm", id);
    assertThat(E2eSupport.eventually(Duration.ofSeconds(10),
        () -> lines.stream().anyMatch(l -> l.contains("/tasks/delete") && l.contains(id)))).as(String.join("\n", lines)).isTrue();
    events.close();
    List<String> topics = new ArrayList<>();
    for (String l : lines) {
      if (l.contains(id) && l.contains("/tasks/")) {
        String who = l.contains("\"ev1\"") ? "(ev1)" : l.contains("\"ev2\"") ? "(ev2)" : "";
        for (String w : l.split("\\s+")) {
          if (w.startsWith("/tasks/")) {
            topics.add(w + who);
          }
        }
      }
    }
    assertThat(topics).as(String.join("\n", lines)).containsExactly(
        "/tasks/create", "/tasks/start",
        "/tasks/exec-added(ev1)", "/tasks/exec-started(ev1)", "/tasks/exit(ev1)",
        "/tasks/exec-added(ev2)", "/tasks/exec-started(ev2)", "/tasks/exit(ev2)",
        "/tasks/exit", "/tasks/delete");
  }

  @Test
  @Order(23)
  void oomIsReportedUnderAMemoryLimit() throws Exception {
    String id = E2eSupport.id("oom");
    CtrEvents events = CtrEvents.start(cd);
    List<String> lines = events.lines();
    CtrResult r = cd.ctr(Duration.ofSeconds(90), new byte[0], args("run", "--rm", "--memory-limit", "16777216", image, id,
        "sh", "-c", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"));
    assertThat(r.exitCode()).as(why(r)).isEqualTo(137);
    boolean oom = E2eSupport.eventually(Duration.ofSeconds(10),
        () -> lines.stream().anyMatch(l -> l.contains("/tasks/oom") && l.contains(id)));
    events.close();
    assertThat(oom).as(String.join("\n", lines)).isTrue();
  }

  @Test
  @Order(24)
  void taskRpcsDirectlyOnTheShimSocket() throws Exception {
    String id = E2eSupport.id("rpc");
    runDetached(id);
    String address = Files.readString(E2eSupport.bundle(cd, id).resolve("address")).strip();
    try (dev.shim4j.ttrpc.Client conn = dev.shim4j.ttrpc.Client.connect(address)) {
      TaskTtrpc.Client task = new TaskTtrpc.Client(conn);
      ConnectResponse c = task.connect(ConnectRequest.newBuilder().setId(id).build());
      assertThat(c.getShimPid()).isEqualTo((int) ShimProcesses.serving(id).get(0).pid());
      assertThat(c.getTaskPid()).isPositive();

      StateResponse st = task.state(StateRequest.newBuilder().setId(id).build());
      assertThat(st.getStatus()).isEqualTo(Status.RUNNING);
      assertThat(st.getPid()).isEqualTo(c.getTaskPid());
      assertThat(st.getBundle()).isEqualTo(E2eSupport.bundle(cd, id).toString());

      // Update: JSON LinuxResources in the Any, then Stats shows the new pids limit.
      task.update(UpdateTaskRequest.newBuilder().setId(id)
          .setResources(Any.newBuilder()
              .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/LinuxResources")
              .setValue(ByteString.copyFromUtf8("{\"pids\":{\"limit\":77}}")))
          .build());
      StatsResponse stats = task.stats(StatsRequest.newBuilder().setId(id).build());
      Metrics m = Anys.unpack(stats.getStats(), Metrics.class);
      assertThat(m.getPids().getLimit()).isEqualTo(77);
      assertThat(m.getPids().getCurrent()).isPositive();

      // Errors cross the wire as codes containerd understands.
      assertThatThrownBy(() -> task.kill(KillRequest.newBuilder().setId(id).setExecId("nope").setSignal(9).build()))
          .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.NOT_FOUND));
      assertThatThrownBy(() -> task.state(StateRequest.newBuilder().setId("no-such-container").build()))
          .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.NOT_FOUND));
      assertThatThrownBy(() -> task.delete(DeleteRequest.newBuilder().setId(id).build()))
          .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.FAILED_PRECONDITION));
      // A process without a terminal has nothing to resize: OK, as containerd's runc shim answers.
      task.resizePty(ResizePtyRequest.newBuilder().setId(id).setWidth(80).setHeight(24).build());
      assertThatThrownBy(() -> task.exec(ExecProcessRequest.newBuilder().setId(id).setExecId("bad")
              .setSpec(Any.newBuilder().setTypeUrl(Anys.OCI_PROCESS).setValue(ByteString.copyFromUtf8("not json"))).build()))
          .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT));

      // Shutdown with a container left keeps the shim serving.
      task.shutdown(ShutdownRequest.newBuilder().setId(id).build());
      Thread.sleep(300);
      assertThat(task.connect(ConnectRequest.newBuilder().setId(id).build()).getShimPid()).isEqualTo(c.getShimPid());

      // Checkpoint goes through runc and criu; where criu cannot run, the error says why.
      Path images = cd.dir().resolve("ck-" + id);
      try {
        task.checkpoint(CheckpointTaskRequest.newBuilder().setId(id).setPath(images.toString()).build());
        assertThat(images).isNotEmptyDirectory();
      } catch (TtrpcException e) {
        assertThat(e.code()).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(e.getMessage()).contains("criu").contains("dump.log");
      }
      // The older options type containerd sends a runtime not named io.containerd.runc*: its
      // work path (field 8 there, the image path's number in the runc type) is where criu logs.
      Path work = cd.dir().resolve("ck-work-" + id);
      Path linuxImages = cd.dir().resolve("ck-linux-" + id);
      try {
        task.checkpoint(CheckpointTaskRequest.newBuilder().setId(id)
            .setOptions(Anys.pack(dev.shim4j.api.runc.linux.CheckpointOptions.newBuilder()
                .setWorkPath(work.toString()).setImagePath(linuxImages.toString()).build()))
            .build());
        assertThat(linuxImages).isNotEmptyDirectory();
      } catch (TtrpcException e) {
        assertThat(e.code()).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(e.getMessage()).contains("criu").contains(work.resolve("dump.log").toString());
        assertThat(linuxImages).isDirectory();
      }
    } finally {
      killAndRemove(id);
    }
  }

  // ------------------------------------------------------------------ robustness

  @Test
  @Order(30)
  void tenContainersInParallel() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      List<Future<CtrResult>> runs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String n = Integer.toString(i);
        runs.add(pool.submit(() -> cd.ctr(Duration.ofSeconds(120), new byte[0],
            args("run", "--rm", image, E2eSupport.id("par"), "echo", "par-" + n))));
      }
      for (int i = 0; i < 10; i++) {
        CtrResult r = runs.get(i).get(150, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(why(r)).isZero();
        assertThat(r.stdout()).isEqualTo("par-" + i + "\n");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Order(31)
  void containerdRestartKeepsRunningContainersManageable() throws Exception {
    String id = E2eSupport.id("restart");
    runDetached(id);
    cd.restart();
    assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> taskStatus(id).equals("RUNNING"))).isTrue();
    CtrResult exec = cd.ctr("task", "exec", "--exec-id", "after", id, "echo", "still-here");
    assertThat(exec.exitCode()).as(why(exec)).isZero();
    assertThat(exec.stdout()).isEqualTo("still-here\n");
    cd.ctrOk("task", "kill", "-s", "KILL", id);
    assertThat(E2eSupport.eventually(Duration.ofSeconds(15), () -> taskStatus(id).equals("STOPPED"))).isTrue();
    cd.ctrOk("task", "rm", id);
    cd.ctrOk("container", "rm", id);
  }

  @Test
  @Order(32)
  void killedShimIsCleanedUpByDelete() throws Exception {
    String id = E2eSupport.id("sigkill");
    runDetached(id);
    List<ProcessHandle> shims = ShimProcesses.serving(id);
    assertThat(shims).as("one shim daemon for " + id).hasSize(1);
    shims.get(0).destroyForcibly();
    // containerd notices the dead shim, runs `delete` and marks the task stopped (137).
    assertThat(E2eSupport.eventually(Duration.ofSeconds(30), () -> !taskStatus(id).equals("RUNNING"))).isTrue();
    cd.ctr("task", "rm", "-f", id);
    cd.ctrOk("container", "rm", id);
    Path rootfs = E2eSupport.bundle(cd, id).resolve("rootfs");
    assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> !Files.exists(rootfs) && !Mounts.anyUnder(rootfs))).isTrue();
    assertThat(Path.of("/run/containerd/runc", cd.namespace(), id)).doesNotExist();
  }

  // ------------------------------------------------------------------ grouping

  private static String addressOf(String id) throws Exception {
    return Files.readString(E2eSupport.bundle(cd, id).resolve("address")).strip();
  }

  @Test
  @Order(40)
  void podGroupSharesOneShimThatOutlivesItsFirstContainer() throws Exception {
    String a = E2eSupport.id("poda");
    String b = E2eSupport.id("podb");
    String group = E2eSupport.id("group");
    for (String id : List.of(a, b)) {
      CtrResult r = run("-d", "--annotation", "io.containerd.runc.v2.group=" + group, image, id, "sleep", "3600");
      assertThat(r.exitCode()).as(why(r)).isZero();
    }
    try {
      assertThat(addressOf(b)).isEqualTo(addressOf(a));
      // b's start found a's daemon and exits right after answering; then no JVM is b's alone.
      assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> ShimProcesses.serving(b).isEmpty()))
          .as("b has no daemon of its own: " + ShimProcesses.serving(b)).isTrue();
      killAndRemove(a);
      // The shim was asked to shut down after a's delete, but b still lives there.
      CtrResult exec = cd.ctr("task", "exec", "--exec-id", "x", b, "echo", "b-alive");
      assertThat(exec.exitCode()).as(why(exec)).isZero();
      assertThat(exec.stdout()).isEqualTo("b-alive\n");
    } finally {
      killAndRemove(a);
      killAndRemove(b);
    }
  }

  @Test
  @Order(41)
  void nodeWideModeServesEveryContainerFromOneDaemon() throws Exception {
    List<String> ids = List.of(E2eSupport.id("node"), E2eSupport.id("node"), E2eSupport.id("node"));
    for (String id : ids) {
      CtrResult r = run("-d", "--annotation", "dev.shim4j.group=node", image, id, "sleep", "3600");
      assertThat(r.exitCode()).as(why(r)).isZero();
    }
    try {
      assertThat(ids.stream().map(id -> {
        try {
          return addressOf(id);
        } catch (Exception e) {
          return e.toString();
        }
      }).distinct().count()).isEqualTo(1);
      // The starts that found the daemon exit right after answering: one JVM is left.
      assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> ShimProcesses.all(cd.namespace()).size() == 1))
          .as("one daemon: " + ShimProcesses.all(cd.namespace())).isTrue();
      CtrResult r = run("--rm", "--annotation", "dev.shim4j.group=node", image, E2eSupport.id("node"), "echo", "node-run");
      assertThat(r.exitCode()).as(why(r)).isZero();
      assertThat(r.stdout()).isEqualTo("node-run\n");
    } finally {
      for (String id : ids) {
        killAndRemove(id);
      }
    }
  }

  /**
   * ctr passes a runtime it does not know as runc only a config file's path
   * (runtimeoptions.v1.Options), as CRI does; the runc options in it reach the shim. Here
   * ShimCgroup: the daemon joins that cgroup at Create.
   */
  @Test
  @Order(42)
  void optionsFromTheRuntimeConfigFileReachTheShim(@TempDir Path dir) throws Exception {
    String id = E2eSupport.id("optfile");
    String cgroup = "/shim4j-e2e-" + id;
    Path pidsCgroup = Files.createDirectory(Path.of("/sys/fs/cgroup/pids", cgroup));
    Path config = Files.writeString(dir.resolve("runc4j.toml"),
        "# what CRI's options table would hold\nShimCgroup = \"" + cgroup + "\"\nSystemdCgroup = false\n");
    try {
      CtrResult r = run("--runtime-config-path", config.toString(), "-d", image, id, "sleep", "3600");
      assertThat(r.exitCode()).as(why(r)).isZero();
      long shim = ShimProcesses.serving(id).get(0).pid();

      assertThat(Files.readAllLines(Path.of("/proc/" + shim + "/cgroup")))
          .anyMatch(line -> line.endsWith(":pids:" + cgroup));
    } finally {
      killAndRemove(id);
      E2eSupport.eventually(Duration.ofSeconds(10), () -> ShimProcesses.serving(id).isEmpty());
      // The shim stops serving before its process has left the cgroup: rmdir is EBUSY until then.
      boolean removed = E2eSupport.eventually(Duration.ofSeconds(30), () -> {
        try {
          Files.deleteIfExists(pidsCgroup);
          return true;
        } catch (IOException e) {
          return false;
        }
      });
      assertThat(removed).as("%s removed once the shim left it", pidsCgroup).isTrue();
    }
  }

  /** A config file that is not there: Create fails with a clear error, and nothing is left. */
  @Test
  @Order(43)
  void aMissingRuntimeConfigFileFailsTheCreateClearly(@TempDir Path dir) throws Exception {
    String id = E2eSupport.id("optmissing");
    Path config = dir.resolve("missing.toml");

    CtrResult r = run("--rm", "--runtime-config-path", config.toString(), image, id, "true");

    assertThat(r.exitCode()).as(why(r)).isNotZero();
    assertThat(r.stderr()).contains("runtime options: config_path " + config + " does not exist");
    assertThat(E2eSupport.eventually(Duration.ofSeconds(10), () -> ShimProcesses.serving(id).isEmpty())).isTrue();
    assertThat(cd.ctrOk("container", "ls", "-q").lines()).doesNotContain(id);
  }

  /**
   * containerd's client sends the older containerd.linux.runc.CreateOptions to a runtime not
   * named io.containerd.runc* (here the launcher's path): ctr's --no-pivot and --uidmap reach
   * the shim through them, into the options it runs runc with and keeps for delete. (runc gives
   * the stdio of a process to the process's user, so io_uid shows on the pipes only in a user
   * namespace.)
   */
  @Test
  @Order(44)
  void olderCreateOptionsFromCtrReachTheShim() throws Exception {
    String id = E2eSupport.id("createopts");
    CtrResult r = run("--no-pivot", "--uidmap", "0:4242:1", "-d", image, id, "sleep", "3600");
    assertThat(r.exitCode()).as(why(r)).isZero();
    Map<String, Object> options;
    try {
      options = Json.parseObject(Files.readString(E2eSupport.bundle(cd, id).resolve(RuncConfig.OPTIONS_FILE)));
    } finally {
      killAndRemove(id);
    }
    assertThat(Json.bool(options, "no_pivot_root")).as(options.toString()).isTrue();
    // ctr 1.6 sends the uid map's host uid as io_uid; 1.7's and 2.1's send none: what Go's
    // shim, given the same, keeps in its options.json.
    Map<String, Object> go = goShimOptions("--no-pivot", "--uidmap", "0:4242:1");
    assertThat(Json.number(options, "io_uid")).as("runc4j %s, Go %s", options, go)
        .isEqualTo(go.containsKey("io_uid") ? Json.number(go, "io_uid") : 0);
    if (cd.release().series().equals(ContainerdRelease.SYSTEM_SERIES)) {
      assertThat(Json.number(options, "io_uid")).as(options.toString()).isEqualTo(4242);
    }
  }

  /** What ctr prints for {@code task kill} of a stopped task of Go's runc shim, the id as ID. */
  private static String goShimKillingAStoppedTask() throws InterruptedException {
    String id = E2eSupport.id("go-detach");
    CtrResult r = cd.ctr("run", "--runtime", "io.containerd.runc.v2", "-d", image, id, "sleep", "3600");
    assertThat(r.exitCode()).as(why(r)).isZero();
    try {
      cd.ctrOk("task", "kill", "-s", "KILL", id);
      assertThat(E2eSupport.eventually(Duration.ofSeconds(15), () -> taskStatus(id).equals("STOPPED"))).isTrue();
      return cd.ctr("task", "kill", "-s", "KILL", id).stderr().replace(id, "ID");
    } finally {
      killAndRemove(id);
    }
  }

  /** The options.json Go's runc shim writes in its bundle for {@code ctr run RUNARGS -d ...}. */
  private static Map<String, Object> goShimOptions(String... runArgs) throws Exception {
    String id = E2eSupport.id("go-createopts");
    List<String> a = new ArrayList<>(List.of("run", "--runtime", "io.containerd.runc.v2"));
    a.addAll(List.of(runArgs));
    a.addAll(List.of("-d", image, id, "sleep", "3600"));
    CtrResult r = cd.ctr(a.toArray(String[]::new));
    assertThat(r.exitCode()).as(why(r)).isZero();
    try {
      return Json.parseObject(Files.readString(E2eSupport.bundle(cd, id).resolve("options.json")));
    } finally {
      killAndRemove(id);
    }
  }

  /**
   * A create that runc refuses (no such binary): runc's error comes back in Create's error, and
   * the container's stderr gets none of it (ctr would print it twice).
   */
  @Test
  @Order(45)
  void aFailedCreateKeepsRuncsErrorOffTheContainersStderr() throws Exception {
    String helper = E2eSupport.id("failhelper");
    runDetached(helper);
    String id = E2eSupport.id("failcreate");
    Path helperBundle = E2eSupport.bundle(cd, helper);
    Path bundle = Files.createDirectories(cd.dir().resolve("bundle-" + id));
    Map<String, Object> spec = Json.parseObject(Files.readString(helperBundle.resolve("config.json")));
    Json.object(spec, "process").put("args", List.of("/nonexistent"));
    Json.object(spec, "root").put("path", helperBundle.resolve("rootfs").toString());
    Json.object(spec, "linux").put("cgroupsPath", "/" + cd.namespace() + "/" + id);
    Files.writeString(bundle.resolve("config.json"), Json.write(spec));
    Path stderr = bundle.resolve("stderr");
    dev.shim4j.sys.Fds.mkfifo(stderr, 0600);
    String address = Files.readString(helperBundle.resolve("address")).strip();
    try (dev.shim4j.sys.FdInputStream containerStderr = new dev.shim4j.sys.FdInputStream(
            dev.shim4j.sys.Fds.openFifoNonBlocking(stderr, dev.shim4j.sys.Fds.O_RDONLY));
        dev.shim4j.ttrpc.Client conn = dev.shim4j.ttrpc.Client.connect(address)) {
      TaskTtrpc.Client task = new TaskTtrpc.Client(conn);
      assertThatThrownBy(() -> task.create(CreateTaskRequest.newBuilder().setId(id).setBundle(bundle.toString())
              .setStderr(stderr.toString()).build()))
          .isInstanceOf(TtrpcException.class)
          .hasMessageContaining("/nonexistent");
      // The shim closed its end of the FIFO: what it copied there, then end of file.
      CompletableFuture<String> copied = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(containerStderr.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          return e.toString();
        }
      });
      assertThat(copied.get(20, TimeUnit.SECONDS)).isEmpty();
    } finally {
      killAndRemove(helper);
    }

    // And as ctr shows it: the error once.
    String viaCtr = E2eSupport.id("failctr");
    CtrResult r = run("--rm", image, viaCtr, "/nonexistent");
    assertThat(r.exitCode()).as(why(r)).isNotZero();
    assertThat(r.stderr().split("stat /nonexistent", -1).length - 1).as(r.stderr()).isEqualTo(1);
    cd.ctr("container", "rm", viaCtr);
  }

  @Test
  @Order(99)
  void nothingLeaksAfterwards() throws Exception {
    // Every case above cleaned up after itself: no daemon, no mount, no runc state, no zombie.
    assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> ShimProcesses.all(cd.namespace()).isEmpty()))
        .as("shim daemons left: " + ShimProcesses.all(cd.namespace())).isTrue();
    assertThat(Mounts.anyUnder(cd.state())).as("mounts under " + cd.state()).isFalse();
    Path runcRoot = Path.of("/run/containerd/runc", cd.namespace());
    if (Files.isDirectory(runcRoot)) {
      try (var s = Files.list(runcRoot)) {
        assertThat(s.toList()).as("runc state left").isEmpty();
      }
    }
    assertThat(ShimProcesses.zombiesOf(ProcessHandle.current().pid())).isEmpty();
    List<Path> sockets = new ArrayList<>();
    List<String> keys = new ArrayList<>(E2eSupport.USED);
    keys.add(Grouping.NODE_KEY);
    for (String key : keys) {
      Path socket = ShimAddress.pathOf(ShimAddress.of(cd.address().toString(), cd.namespace(), key));
      if (Files.exists(socket)) {
        sockets.add(socket);
      }
    }
    assertThat(sockets).as("shim sockets left").isEmpty();
  }
}
