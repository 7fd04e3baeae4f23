package dev.shim4j.dist.train;

import com.google.protobuf.Any;
import dev.shim4j.api.Anys;
import dev.shim4j.api.runc.options.Options;
import dev.shim4j.api.task.v2.CloseIORequest;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.DeleteRequest;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.ExecProcessRequest;
import dev.shim4j.api.task.v2.KillRequest;
import dev.shim4j.api.task.v2.PidsRequest;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.StartRequest;
import dev.shim4j.api.task.v2.StateRequest;
import dev.shim4j.api.task.v2.StatsRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.task.v2.WaitRequest;
import dev.shim4j.api.task.v2.WaitResponse;
import dev.shim4j.api.types.Mount;
import dev.shim4j.api.types.task.Status;
import dev.shim4j.runc.Json;
import dev.shim4j.sys.FdOutputStream;
import dev.shim4j.sys.Fds;
import dev.shim4j.ttrpc.CallOptions;
import dev.shim4j.ttrpc.Metadata;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What containerd asks of a runc shim over a container's life, played against the daemon under
 * training: one container with FIFO stdio (as ctr run makes it), an overlay rootfs, runc options,
 * an exec and stdin; one with empty stdio, a bind rootfs, a terminal exec and a Kill. Each call
 * is checked, so a daemon that trains on errors instead of the real paths fails the training.
 */
final class Lifecycle {
  private static final Duration CALL = Duration.ofSeconds(60);
  private static final Duration OUTPUT = Duration.ofSeconds(20);
  private static final int SIGKILL = 9;

  private final TaskTtrpc.Client task;
  private final String namespace;
  private final TrainingImage image;
  private final Path work;
  private final PrintStream log;
  private final CallOptions call;

  Lifecycle(TaskTtrpc.Client task, String namespace, TrainingImage image, Path work, PrintStream log) {
    this.task = task;
    this.namespace = namespace;
    this.image = image;
    this.work = work;
    this.log = log;
    this.call = CallOptions.timeout(CALL).withMetadata(Metadata.CONTAINERD_NAMESPACE, namespace);
  }

  /** The first container, in the bundle {@code start} ran in: `sh -c "echo hi; read; exit 3"`. */
  void runWithStdio(String id, Path bundle) throws Exception {
    step("Connect", () -> task.connect(ConnectRequest.newBuilder().setId(id).build(), call));
    Path fifos = Files.createDirectories(work.resolve("fifo-" + id));
    Path stdin = fifos.resolve(id + "-stdin");
    Fds.mkfifo(stdin, 0600);
    FifoReader stdout = FifoReader.create(fifos.resolve(id + "-stdout"));
    FifoReader stderr = FifoReader.create(fifos.resolve(id + "-stderr"));
    CreateTaskRequest.Builder create = CreateTaskRequest.newBuilder()
        .setId(id).setBundle(bundle.toString())
        .setStdin(stdin.toString()).setStdout(stdout.path().toString()).setStderr(stderr.path().toString())
        .setOptions(Anys.pack(Options.newBuilder().build()));
    createWithRootfs(create, bundle, overlay(id));
    check(step("State", () -> task.state(StateRequest.newBuilder().setId(id).build(), call)).getStatus()
        == Status.CREATED, id + " is not CREATED after Create");
    // containerd waits before it starts (ctr run: task.Wait, then task.Start).
    CompletableFuture<WaitResponse> exit = waitFor(id, "");
    step("Start", () -> task.start(StartRequest.newBuilder().setId(id).build(), call));
    check(stdout.awaitText("hi", OUTPUT), id + " printed no 'hi' on its stdout FIFO: '" + stdout.text() + "'");
    check(step("State", () -> task.state(StateRequest.newBuilder().setId(id).build(), call)).getStatus()
        == Status.RUNNING, id + " is not RUNNING after Start");
    step("Pids", () -> task.pids(PidsRequest.newBuilder().setId(id).build(), call));
    step("Stats", () -> task.stats(StatsRequest.newBuilder().setId(id).build(), call));

    String execId = id + "-exec";
    FifoReader execOut = FifoReader.create(fifos.resolve(execId + "-stdout"));
    step("Exec", () -> task.exec(ExecProcessRequest.newBuilder().setId(id).setExecId(execId)
        .setStdout(execOut.path().toString()).setSpec(processSpec(List.of("sh", "-c", "echo exec; exit 2"), false))
        .build(), call));
    CompletableFuture<WaitResponse> execExit = waitFor(id, execId);
    step("Start exec", () -> task.start(StartRequest.newBuilder().setId(id).setExecId(execId).build(), call));
    check(execExit.get(CALL.toSeconds(), TimeUnit.SECONDS).getExitStatus() == 2, execId + " did not exit 2");
    check(execOut.awaitText("exec", OUTPUT), execId + " printed no 'exec': '" + execOut.text() + "'");
    step("State exec", () -> task.state(StateRequest.newBuilder().setId(id).setExecId(execId).build(), call));
    step("Delete exec", () -> task.delete(DeleteRequest.newBuilder().setId(id).setExecId(execId).build(), call));

    // stdin as containerd forwards it: a line, then EOF and CloseIO.
    try (OutputStream in = new FdOutputStream(Fds.openFifo(stdin, Fds.O_WRONLY, Duration.ofSeconds(10)))) {
      in.write("stdin-ok\n".getBytes(StandardCharsets.UTF_8));
    }
    step("CloseIO", () -> task.closeIO(CloseIORequest.newBuilder().setId(id).setStdin(true).build(), call));
    check(exit.get(CALL.toSeconds(), TimeUnit.SECONDS).getExitStatus() == 3, id + " did not exit 3");
    check(stdout.awaitText("got stdin-ok", OUTPUT), id + " did not echo its stdin: '" + stdout.text() + "'");
    DeleteResponse deleted = step("Delete", () -> task.delete(DeleteRequest.newBuilder().setId(id).build(), call));
    check(deleted.getExitStatus() == 3, id + " deleted with status " + deleted.getExitStatus());
  }

  /** A second container, no stdio: `sleep 60`, a terminal exec, then SIGKILL. */
  void runWithoutStdio(String id, Path bundle) throws Exception {
    CreateTaskRequest.Builder create = CreateTaskRequest.newBuilder().setId(id).setBundle(bundle.toString());
    createWithRootfs(create, bundle, bind());
    CompletableFuture<WaitResponse> exit = waitFor(id, "");
    step("Start", () -> task.start(StartRequest.newBuilder().setId(id).build(), call));
    terminalExec(id);
    step("Kill", () -> task.kill(KillRequest.newBuilder().setId(id).setSignal(SIGKILL).build(), call));
    check(exit.get(CALL.toSeconds(), TimeUnit.SECONDS).getExitStatus() == 128 + SIGKILL, id + " did not die of SIGKILL");
    step("Delete", () -> task.delete(DeleteRequest.newBuilder().setId(id).build(), call));
  }

  /** Shutdown; the daemon may exit before it answers. */
  void shutdown(String id) {
    try {
      task.shutdown(ShutdownRequest.newBuilder().setId(id).build(), call);
    } catch (RuntimeException gone) {
      // its going away is the answer
    }
  }

  /** A terminal exec (pty, console socket); optional: the training goes on without it. */
  private void terminalExec(String id) {
    String execId = id + "-tty";
    try {
      FifoReader out = FifoReader.create(work.resolve(execId + "-stdout"));
      step("Exec tty", () -> task.exec(ExecProcessRequest.newBuilder().setId(id).setExecId(execId).setTerminal(true)
          .setStdout(out.path().toString()).setSpec(processSpec(List.of("sh", "-c", "echo tty"), true)).build(), call));
      CompletableFuture<WaitResponse> exit = waitFor(id, execId);
      step("Start tty", () -> task.start(StartRequest.newBuilder().setId(id).setExecId(execId).build(), call));
      exit.get(CALL.toSeconds(), TimeUnit.SECONDS);
      out.awaitText("tty", OUTPUT);
      step("Delete tty", () -> task.delete(DeleteRequest.newBuilder().setId(id).setExecId(execId).build(), call));
    } catch (Exception e) {
      log.println("  terminal exec skipped: " + e);
    }
  }

  /** Create with {@code rootfs}; if the kernel refuses that mount, with a read-only bind of the layer. */
  private void createWithRootfs(CreateTaskRequest.Builder create, Path bundle, Mount rootfs) throws Exception {
    try {
      step("Create", () -> task.create(create.clone().addRootfs(rootfs).build(), call));
    } catch (RuntimeException e) {
      if (rootfs.getType().equals("bind")) {
        throw e;
      }
      log.println("  " + rootfs.getType() + " rootfs refused (" + e.getMessage() + "); a bind rootfs instead");
      step("Create", () -> task.create(create.clone().addRootfs(bind()).build(), call));
    }
  }

  private Mount overlay(String id) throws IOException {
    Path upper = Files.createDirectories(work.resolve("overlay-" + id).resolve("upper"));
    Path scratch = Files.createDirectories(work.resolve("overlay-" + id).resolve("work"));
    return Mount.newBuilder().setType("overlay").setSource("overlay")
        .addOptions("workdir=" + scratch).addOptions("upperdir=" + upper)
        .addOptions("lowerdir=" + image.rootfs()).build();
  }

  private Mount bind() {
    return Mount.newBuilder().setType("bind").setSource(image.rootfs().toString())
        .addOptions("rbind").addOptions("ro").build();
  }

  private Any processSpec(List<String> args, boolean terminal) {
    Map<String, Object> process = image.process(args, terminal);
    return Anys.json(Anys.OCI_PROCESS, Json.write(process));
  }

  /** Wait for a process, in the background as containerd does (it returns at the exit). */
  private CompletableFuture<WaitResponse> waitFor(String id, String execId) {
    CompletableFuture<WaitResponse> f = new CompletableFuture<>();
    Thread.ofPlatform().daemon().name("wait-" + id + execId).start(() -> {
      try {
        f.complete(task.wait(WaitRequest.newBuilder().setId(id).setExecId(execId).build(), call));
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    return f;
  }

  private <T> T step(String name, Callable<T> rpc) throws Exception {
    long t0 = System.nanoTime();
    T result = rpc.call();
    log.printf("  %-12s %5d ms%n", name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    return result;
  }

  private static void check(boolean ok, String failure) {
    if (!ok) {
      throw new IllegalStateException(failure);
    }
  }
}
