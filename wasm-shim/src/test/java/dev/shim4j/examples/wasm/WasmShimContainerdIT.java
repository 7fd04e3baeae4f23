package dev.shim4j.examples.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.CtrEvents;
import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.Eventually;
import dev.shim4j.testkit.OciImage;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.testkit.Procs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The wasm shim under a real containerd: {@code ctr run --runtime <launcher>} of an image whose
 * modules are assembled at test time ({@link TestModules}). The machine may be loaded: waits are
 * bounded generously and nothing is timed.
 */
class WasmShimContainerdIT {
  private static final Duration SLOW = Duration.ofSeconds(180);
  private static final String IMAGE = "docker.io/shim4j/wasm-test:1";

  private static PrivateContainerd cd;
  private static String runtime;

  @BeforeAll
  static void startContainerd() {
    cd = PrivateContainerd.start();
    runtime = WasmShimLauncher.path();
    OciImage.importInto(cd, IMAGE, TestModules.files(), List.of(TestModules.ECHO));
  }

  @AfterAll
  static void stopContainerd() {
    if (cd != null) {
      cd.close();
    }
  }

  private static CtrResult run(String id, String... argsAndFlags) {
    return cd.ctr(SLOW, new byte[0], runCommand(id, argsAndFlags));
  }

  /** {@code run --rm --runtime R [flags...] IMAGE ID [args...]}: flags are the words before "--". */
  private static String[] runCommand(String id, String... argsAndFlags) {
    List<String> flags = new ArrayList<>();
    List<String> args = new ArrayList<>();
    boolean inFlags = List.of(argsAndFlags).contains("--");
    for (String w : argsAndFlags) {
      if (inFlags && w.equals("--")) {
        inFlags = false;
      } else {
        (inFlags ? flags : args).add(w);
      }
    }
    List<String> cmd = new ArrayList<>(List.of("run", "--rm", "--runtime", runtime));
    cmd.addAll(flags);
    cmd.add(IMAGE);
    cmd.add(id);
    cmd.addAll(args);
    return cmd.toArray(String[]::new);
  }

  /**
   * {@code ctr run} of a module that reads stdin, {@code input} on ctr's stdin. ctr (1.6) always
   * wires its stdin to the task, and passes its end on (CloseIO) only if it comes once the task
   * exists; so stdin is closed only when the task runs, however slow the machine is.
   */
  private static CtrResult runWithInput(String id, byte[] input, String... argsAndFlags) throws Exception {
    List<String> command = cd.ctrCommand(runCommand(id, argsAndFlags));
    Path out = Files.createTempFile(cd.dir(), "ctr-out-", ".txt");
    Path err = Files.createTempFile(cd.dir(), "ctr-err-", ".txt");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try (var stdin = p.getOutputStream()) {
      stdin.write(input);
      stdin.flush();
      assertThat(eventually(() -> !p.isAlive() || taskStatus(id).equals("RUNNING"))).as(cd.logTail(30)).isTrue();
    }
    if (!p.waitFor(SLOW.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("ctr run " + id + " did not end\n" + cd.logTail(40));
    }
    return new CtrResult(command, p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void argsReachStdoutEnvReachesStderrAndTheExitCodeIsTheModules() throws Exception {
    CtrResult r = runWithInput("echo1", new byte[0], "--env", "GREETING=hello wasm", "--", TestModules.ECHO, "one", "two words");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(3); // echo.wasm exits with argc
    assertThat(r.stdout()).isEqualTo(TestModules.nulTerminated(List.of(TestModules.ECHO, "one", "two words")));
    assertThat(r.stderr()).contains("GREETING=hello wasm\0");
  }

  @Test
  void theImagesCommandRunsWhenNoneIsGiven() throws Exception {
    CtrResult r = runWithInput("echo-default", new byte[0]);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stdout()).isEqualTo(TestModules.nulTerminated(List.of(TestModules.ECHO)));
  }

  @Test
  void stdinIsPipedToTheModule() throws Exception {
    String input = "to the module\n".repeat(500);
    CtrResult r = runWithInput("stdin1", input.getBytes(StandardCharsets.UTF_8), TestModules.ECHO);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stdout()).isEqualTo(TestModules.nulTerminated(List.of(TestModules.ECHO)) + input);
  }

  @Test
  void aTrapEndsTheContainerWith134() {
    CtrResult r = run("trap1", TestModules.TRAP);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(134);
    assertThat(r.stderr()).contains("wasm trap");
  }

  /** A loop (ended by Chicory's interrupt checks) and a module blocked reading stdin (by closing it). */
  @ParameterizedTest
  @CsvSource({"SIGKILL, 137, /loop.wasm", "SIGTERM, 143, /loop.wasm", "SIGTERM, 143, /echo.wasm"})
  void killEndsARunningModule(String signal, int status, String module) throws Exception {
    String id = "kill-" + signal.toLowerCase() + "-" + module.substring(1, module.indexOf('.'));
    // ctr's stdin stays open (a pipe the test holds): echo.wasm waits in fd_read until the kill.
    Process ctrRun = cd.startCtr(runCommand(id, module));
    assertThat(eventually(() -> taskStatus(id).equals("RUNNING"))).as(cd.logTail(30)).isTrue();
    Thread.sleep(500); // let it loop

    cd.ctrOk("task", "kill", "-s", signal, id);

    assertThat(ctrRun.waitFor(SLOW.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(ctrRun.exitValue()).isEqualTo(status);
    assertThat(eventually(() -> !cd.ctrOk("container", "ls", "-q").lines().contains(id))).isTrue();
  }

  @Test
  void eventsComeInTheProtocolOrder() throws Exception {
    String id = "events1";
    List<String> lines;
    try (CtrEvents events = CtrEvents.start(cd)) {
      lines = events.lines();
      CtrResult r = runWithInput(id, new byte[0], TestModules.ECHO);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(eventually(() -> lines.stream().anyMatch(l -> l.contains("/tasks/delete") && l.contains(id))))
          .as(String.join("\n", lines)).isTrue();
    }
    List<String> topics = new ArrayList<>();
    for (String l : lines) {
      if (l.contains('"' + id + '"') && l.contains("/tasks/")) {
        for (String w : l.split("\\s+")) {
          if (w.startsWith("/tasks/")) {
            topics.add(w);
          }
        }
      }
    }
    assertThat(topics).as(String.join("\n", lines))
        .containsExactly("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete");
  }

  @Test
  void twentyContainersRunAtOnceInOneDaemonAndDeleteLeavesNothing() throws Exception {
    int n = 20;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add("many-" + i);
    }
    // 20 starts at once, each a detached run of the sleeping module (no CPU spent while they run).
    List<CtrResult> runs = all(ids, id -> cd.ctr(SLOW, new byte[0],
        "run", "-d", "--runtime", runtime, IMAGE, id, TestModules.SLEEP));
    runs.forEach(r -> assertThat(r.ok()).as(r.toString()).isTrue());
    assertThat(eventually(() -> ids.stream().allMatch(id -> taskStatus(id).equals("RUNNING")))).isTrue();

    // One daemon: every task reports the same pid (the daemon's) and every bundle the same address.
    Set<String> pids = new TreeSet<>();
    for (String line : cd.ctrOk("task", "ls").lines()) {
      String[] f = line.split("\\s+");
      if (ids.contains(f[0])) {
        pids.add(f[1]);
      }
    }
    assertThat(pids).hasSize(1);
    long daemon = Long.parseLong(pids.iterator().next());
    Set<String> addresses = new TreeSet<>();
    for (String id : ids) {
      addresses.add(Files.readString(cd.bundle(id).resolve("address")).strip());
    }
    assertThat(addresses).hasSize(1);

    // Exec is refused clearly: a module has no processes to exec.
    CtrResult exec = cd.ctr("task", "exec", "--exec-id", "x1", ids.getFirst(), TestModules.ECHO);
    assertThat(exec.ok()).isFalse();
    assertThat(exec.stderr()).contains("no processes to exec");

    // 20 kills at once, then delete everything.
    all(ids, id -> cd.ctrOk("task", "kill", "-s", "SIGKILL", id));
    assertThat(eventually(() -> ids.stream().allMatch(id -> taskStatus(id).equals("STOPPED")))).isTrue();
    all(ids, id -> cd.ctrOk("task", "rm", id));
    all(ids, id -> cd.ctrOk("container", "rm", id));

    assertThat(cd.ctrOk("task", "ls", "-q").lines()).doesNotContainAnyElementsOf(ids);
    assertThat(cd.ctrOk("container", "ls", "-q").lines()).doesNotContainAnyElementsOf(ids);
    for (String id : ids) {
      assertThat(cd.bundle(id)).doesNotExist();
    }
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(cd.state().toString());
    assertThat(eventually(() -> !Procs.isRunning(daemon))).as("the daemon exits with its last container").isTrue();
  }

  @Test
  void anEntrypointThatIsNoModuleFailsCreateClearlyAndTheDaemonServesOn() throws Exception {
    Process ctrRun = cd.startCtr(runCommand("keeps-running", TestModules.LOOP));
    try {
      assertThat(eventually(() -> taskStatus("keeps-running").equals("RUNNING"))).isTrue();

      CtrResult missing = run("bad1", "/missing.wasm");
      assertThat(missing.ok()).isFalse();
      assertThat(missing.stderr()).contains("/missing.wasm does not exist in the image");

      assertThat(taskStatus("keeps-running")).isEqualTo("RUNNING");
      CtrResult good = run("good1", TestModules.HELLO);
      assertThat(good.exitCode()).as(good.toString()).isZero();
      assertThat(good.stdout()).isEqualTo("hello\n");
    } finally {
      cd.ctr("task", "kill", "-s", "SIGKILL", "keeps-running");
      try {
        ctrRun.waitFor(SLOW.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    assertThat(cd.ctrOk("container", "ls", "-q").lines()).doesNotContain("bad1", "good1");
  }

  private static String taskStatus(String id) {
    for (String line : cd.ctr("task", "ls").lines()) {
      String[] f = line.split("\\s+");
      if (f.length >= 3 && f[0].equals(id)) {
        return f[2];
      }
    }
    return "";
  }

  private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    return Eventually.eventually(SLOW, condition);
  }

  private interface Action<T> {
    T apply(String id) throws Exception;
  }

  /** Runs {@code action} for every id at once, one thread each; returns the results in order. */
  private static <T> List<T> all(List<String> ids, Action<T> action) throws Exception {
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<T>> futures = new ArrayList<>();
      for (String id : ids) {
        Callable<T> task = () -> action.apply(id);
        futures.add(pool.submit(task));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get(SLOW.toSeconds() * 2, TimeUnit.SECONDS));
      }
      return results;
    }
  }
}
