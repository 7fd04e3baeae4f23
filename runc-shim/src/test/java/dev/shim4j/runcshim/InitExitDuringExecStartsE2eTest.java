package dev.shim4j.runcshim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shim4j.api.Anys;
import dev.shim4j.api.task.v2.ExecProcessRequest;
import dev.shim4j.api.task.v2.KillRequest;
import dev.shim4j.api.task.v2.StartRequest;
import dev.shim4j.api.task.v2.StateRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.task.v2.WaitRequest;
import dev.shim4j.api.task.v2.WaitResponse;
import dev.shim4j.api.types.task.Status;
import dev.shim4j.runc.Json;
import dev.shim4j.testkit.CtrEvents;
import dev.shim4j.testkit.ContainerdRelease;
import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.ttrpc.Code;
import dev.shim4j.ttrpc.TtrpcException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Init exits while execs are being started, through a real containerd and runc. runc is run
 * through a wrapper (the runtime options' BinaryName) that holds every {@code runc exec} while a
 * file exists, so that thirty exec starts are surely under way when init is killed; five execs
 * already run. As containerd's runc shim answers: init's exit is held back until those starts
 * ended (the container still runs, an Exec is still added, its Start is refused), then every
 * exec's exit goes out before init's, and no exec nor runc process is left.
 */
class InitExitDuringExecStartsE2eTest {
  private static final int RUNNING = 5;
  private static final int HELD = 30;
  static Path shim;

  @BeforeAll
  static void setUp() {
    shim = E2eSupport.launcher();
  }

  @ParameterizedTest(name = "containerd {0}")
  @ValueSource(strings = {"1.6", "2.1"})
  void initExitWaitsForExecStartsUnderWay(String series, @TempDir Path dir) throws Exception {
    Path hold = dir.resolve("hold");
    Path release = dir.resolve("go");
    Path waiting = Files.createDirectory(dir.resolve("waiting"));
    Path wrapper = runcWrapper(dir, hold, release, waiting);
    Path config = Files.writeString(dir.resolve("runc4j.toml"), "BinaryName = \"" + wrapper + "\"\n");
    String marker = Long.toString(7000 + ProcessHandle.current().pid() % 1000);

    try (var cd = PrivateContainerd.start(ContainerdRelease.of(series))) {
      String image = cd.busyboxImage();
      String id = E2eSupport.id("execrace");
      CtrResult run = cd.ctr("run", "--runtime", shim.toString(), "--runtime-config-path", config.toString(),
          "-d", image, id, "sleep", "3600");
      assertThat(run.exitCode()).as(run + cd.logTail(40)).isZero();
      Path bundle = E2eSupport.bundle(cd, id);
      String address = Files.readString(bundle.resolve("address")).strip();
      Map<String, Object> process = Json.object(Json.parseObject(Files.readString(bundle.resolve("config.json"))), "process");
      process.put("terminal", false);
      process.put("args", List.of("sleep", marker));
      String spec = Json.write(process);

      try (CtrEvents events = CtrEvents.start(cd);
          dev.shim4j.ttrpc.Client conn = dev.shim4j.ttrpc.Client.connect(address)) {
        TaskTtrpc.Client task = new TaskTtrpc.Client(conn);
        long initPid = task.state(StateRequest.newBuilder().setId(id).build()).getPid();
        for (int i = 0; i < RUNNING; i++) {
          addExec(task, id, "run" + i, spec);
          task.start(StartRequest.newBuilder().setId(id).setExecId("run" + i).build());
        }

        Files.createFile(hold);
        List<CompletableFuture<String>> starts = new ArrayList<>();
        for (int i = 0; i < HELD; i++) {
          String execId = "held" + i;
          addExec(task, id, execId, spec);
          starts.add(CompletableFuture.supplyAsync(() -> startOutcome(task, id, execId),
              r -> Thread.ofVirtual().start(r)));
        }
        assertThat(E2eSupport.eventually(Duration.ofSeconds(120), () -> count(waiting) == HELD))
            .as("runc exec of every held start is waiting").isTrue();

        task.kill(KillRequest.newBuilder().setId(id).setSignal(9).build());
        assertThat(E2eSupport.eventually(Duration.ofSeconds(30), () -> !Files.exists(Path.of("/proc/" + initPid))))
            .as("init was reaped").isTrue();
        Thread.sleep(1000); // the shim has handled init's exit by now, as far as it can

        // Held back: the container still runs, an Exec is added, and its Start is refused.
        assertThat(task.state(StateRequest.newBuilder().setId(id).build()).getStatus()).isEqualTo(Status.RUNNING);
        assertThat(initExitsIn(events.lines(), id)).as("init's exit is not out yet").isEmpty();
        addExec(task, id, "late", spec);
        assertThatThrownBy(() -> task.start(StartRequest.newBuilder().setId(id).setExecId("late").build()))
            .isInstanceOfSatisfying(TtrpcException.class, e -> assertThat(e.code()).isEqualTo(Code.FAILED_PRECONDITION))
            .hasMessageContaining("init process is not running");

        Files.createFile(release);
        List<String> outcomes = new ArrayList<>();
        for (CompletableFuture<String> s : starts) {
          outcomes.add(s.get(120, TimeUnit.SECONDS));
        }
        assertThat(outcomes).as("every held start ended, started or refused cleanly")
            .allMatch(o -> o.startsWith("pid ") || o.startsWith(Code.FAILED_PRECONDITION.name()));

        WaitResponse exit = CompletableFuture.supplyAsync(() -> {
          try {
            return task.wait(WaitRequest.newBuilder().setId(id).build());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).get(120, TimeUnit.SECONDS);
        assertThat(exit.getExitStatus()).isEqualTo(137);
        assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> !initExitsIn(events.lines(), id).isEmpty()))
            .isTrue();
        List<String> lines = List.copyOf(events.lines());
        int initExit = lines.indexOf(initExitsIn(lines, id).get(0));
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i);
          if ((l.contains("/tasks/exit") || l.contains("/tasks/exec-started")) && l.contains(id) && i != initExit) {
            assertThat(i).as("before init's exit: " + l + "\n" + String.join("\n", lines)).isLessThan(initExit);
          }
        }
        for (int i = 0; i < RUNNING; i++) {
          assertThat(task.state(StateRequest.newBuilder().setId(id).setExecId("run" + i).build()).getStatus())
              .isEqualTo(Status.STOPPED);
        }
        assertThat(E2eSupport.eventually(Duration.ofSeconds(20), () -> leftOver(marker, wrapper, id).isEmpty()))
            .as("processes left: " + leftOver(marker, wrapper, id)).isTrue();
      } finally {
        cd.ctr("task", "rm", "-f", id);
        cd.ctr("container", "rm", id);
      }
    }
  }

  /** runc, except that while {@code hold} exists an exec waits for {@code release} first. */
  private static Path runcWrapper(Path dir, Path hold, Path release, Path waiting) throws IOException {
    Path wrapper = dir.resolve("runc-holding-execs");
    Files.writeString(wrapper, """
        #!/bin/sh
        for a in "$@"; do
          if [ "$a" = exec ] && [ -e '%s' ]; then
            touch '%s/'$$
            while [ ! -e '%s' ]; do sleep 0.05; done
            break
          fi
        done
        exec '%s' "$@"
        """.formatted(hold, waiting, release, onPath("runc")));
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
    return wrapper;
  }

  private static Path onPath(String name) {
    for (String d : System.getenv("PATH").split(File.pathSeparator)) {
      Path p = Path.of(d, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(name + " is not on PATH");
  }

  private static void addExec(TaskTtrpc.Client task, String id, String execId, String spec) throws Exception {
    task.exec(ExecProcessRequest.newBuilder().setId(id).setExecId(execId)
        .setSpec(Anys.json(Anys.OCI_PROCESS, spec)).build());
  }

  /** "pid N" or the error's code and message. */
  private static String startOutcome(TaskTtrpc.Client task, String id, String execId) {
    try {
      return "pid " + task.start(StartRequest.newBuilder().setId(id).setExecId(execId).build()).getPid();
    } catch (TtrpcException e) {
      return e.code().name() + ": " + e.getMessage();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static List<String> initExitsIn(List<String> lines, String id) {
    String initId = "\"id\":\"" + id + "\"";
    return lines.stream().filter(l -> l.contains("/tasks/exit") && l.replace(" ", "").contains(initId)).toList();
  }

  private static long count(Path dir) {
    try (var s = Files.list(dir)) {
      return s.count();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The execs' sleeps, the wrapper, and runc execs of the container still at work. */
  private static List<List<String>> leftOver(String marker, Path wrapper, String id) {
    return ProcessHandle.allProcesses()
        .map(h -> ShimProcesses.argv(h.pid()))
        .filter(a -> a.equals(List.of("sleep", marker)) || a.contains(wrapper.toString())
            || (a.contains("exec") && a.contains(id)))
        .toList();
  }
}
