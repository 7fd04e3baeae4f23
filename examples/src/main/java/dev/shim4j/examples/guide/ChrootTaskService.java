package dev.shim4j.examples.guide;

import dev.shim4j.shim.event.TaskTopics;
import static dev.shim4j.examples.guide.ChrootShim.timestamp;

import com.google.protobuf.Empty;
import dev.shim4j.api.Anys;
import dev.shim4j.api.events.TaskCreate;
import dev.shim4j.api.events.TaskDelete;
import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.events.TaskStart;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.CreateTaskResponse;
import dev.shim4j.api.task.v2.DeleteRequest;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.KillRequest;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.StartRequest;
import dev.shim4j.api.task.v2.StartResponse;
import dev.shim4j.api.task.v2.StateRequest;
import dev.shim4j.api.task.v2.StateResponse;
import dev.shim4j.api.task.v2.StatsRequest;
import dev.shim4j.api.task.v2.StatsResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.task.v2.WaitRequest;
import dev.shim4j.api.task.v2.WaitResponse;
import dev.shim4j.api.types.task.Status;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.cgroup.Cgroups;
import dev.shim4j.shim.event.Publisher;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.mount.Mounter;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.Exit;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.shim.reaper.Stdio;
import dev.shim4j.sys.Processes;
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The task service of {@link ChrootShim}: Create mounts the root filesystem, Start runs the
 * process under {@code chroot}, Wait/Kill/State/Stats follow it, Delete unmounts. Events go to
 * containerd in the protocol's order: TaskCreate, TaskStart, TaskExit, TaskDelete.
 *
 * <p>Every method may run at the same time as any other (the ttrpc server calls each on a
 * virtual thread of its own): the tasks are in a concurrent map, and a task's mutable state is
 * guarded by the task itself.
 */
final class ChrootTaskService implements TaskTtrpc.Service {
  private static final Logger LOG = ShimLogging.logger(ChrootTaskService.class);

  private final Publisher publisher;
  private final ExitSignal exit;
  private final Map<String, Task> tasks = new ConcurrentHashMap<>();

  ChrootTaskService(Publisher publisher, ExitSignal exit) {
    this.publisher = publisher;
    this.exit = exit;
  }

  /** One container: its bundle and stdio, and once started, its process and exit. */
  private static final class Task {
    final String id;
    final Path bundle;
    final CreateTaskRequest request;
    final CompletableFuture<Exit> exited = new CompletableFuture<>();
    int pid;

    Task(CreateTaskRequest request) {
      this.id = request.getId();
      this.bundle = Path.of(request.getBundle());
      this.request = request;
    }

    synchronized Status status() {
      return exited.isDone() ? Status.STOPPED : pid > 0 ? Status.RUNNING : Status.CREATED;
    }
  }

  @Override
  public CreateTaskResponse create(CallContext ctx, CreateTaskRequest request) throws Exception {
    if (request.getTerminal()) {
      throw TtrpcException.invalidArgument("the chroot shim has no terminal");
    }
    Task task = new Task(request);
    if (tasks.putIfAbsent(task.id, task) != null) {
      throw TtrpcException.alreadyExists("task " + task.id + " exists");
    }
    // containerd hands the root filesystem as mounts (an overlay of the image's layers).
    Mounter.mountAll(request.getRootfsList(), task.bundle.resolve("rootfs"));
    publisher.publish(TaskTopics.CREATE, TaskCreate.newBuilder()
        .setContainerId(task.id)
        .setBundle(request.getBundle())
        .build());
    return CreateTaskResponse.getDefaultInstance();
  }

  @Override
  public StartResponse start(CallContext ctx, StartRequest request) throws Exception {
    Task task = task(request.getId());
    List<String> argv = new ArrayList<>(List.of("/usr/sbin/chroot", task.bundle.resolve("rootfs").toString()));
    argv.addAll(ProcessSpec.args(task.bundle));
    Command command = Command.of(argv)
        .withEnv(ProcessSpec.env(task.bundle))
        .withStdio(Stdio.pipe(), Stdio.pipe(), Stdio.pipe());
    synchronized (task) {
      if (task.pid != 0) {
        throw TtrpcException.failedPrecondition("task " + task.id + " was started already");
      }
      // The reaper spawns and reaps: a shim never waits on its children itself.
      var child = Reaper.get().spawn(command);
      task.pid = child.pid();
      copy(task.id + " stdin", fifoIn(task.request.getStdin()), child::stdin);
      copy(task.id + " stdout", child::stdout, fifoOut(task.request.getStdout()));
      copy(task.id + " stderr", child::stderr, fifoOut(task.request.getStderr()));
      publisher.publish(TaskTopics.START, TaskStart.newBuilder().setContainerId(task.id).setPid(task.pid).build());
      // Registered after TaskStart is queued: TaskExit can never overtake it.
      child.exit().thenAccept(e -> exited(task, e));
    }
    return StartResponse.newBuilder().setPid(task.pid).build();
  }

  private void exited(Task task, Exit e) {
    publisher.publish(TaskTopics.EXIT, TaskExit.newBuilder()
        .setContainerId(task.id)
        .setId(task.id)
        .setPid(e.pid())
        .setExitStatus(e.status())
        .setExitedAt(timestamp(e.exitedAt()))
        .build());
    task.exited.complete(e);
  }

  @Override
  public WaitResponse wait(CallContext ctx, WaitRequest request) throws Exception {
    Exit e = task(request.getId()).exited.get();
    return WaitResponse.newBuilder().setExitStatus(e.status()).setExitedAt(timestamp(e.exitedAt())).build();
  }

  @Override
  public Empty kill(CallContext ctx, KillRequest request) throws Exception {
    Task task = task(request.getId());
    synchronized (task) {
      if (task.status() != Status.RUNNING) {
        throw TtrpcException.notFound("process of task " + task.id + " is not running");
      }
      Processes.kill(task.pid, request.getSignal());
    }
    return Empty.getDefaultInstance();
  }

  @Override
  public StateResponse state(CallContext ctx, StateRequest request) throws Exception {
    Task task = task(request.getId());
    synchronized (task) {
      StateResponse.Builder state = StateResponse.newBuilder()
          .setId(task.id)
          .setBundle(task.bundle.toString())
          .setPid(task.pid)
          .setStatus(task.status())
          .setStdout(task.request.getStdout())
          .setStderr(task.request.getStderr());
      if (task.exited.isDone()) {
        Exit e = task.exited.join();
        state.setExitStatus(e.status()).setExitedAt(timestamp(e.exitedAt()));
      }
      return state.build();
    }
  }

  @Override
  public DeleteResponse delete(CallContext ctx, DeleteRequest request) throws Exception {
    Task task = task(request.getId());
    if (task.status() == Status.RUNNING) {
      throw TtrpcException.failedPrecondition("task " + task.id + " is running");
    }
    Mounter.unmountAll(task.bundle.resolve("rootfs"));
    tasks.remove(task.id);
    Exit e = task.exited.getNow(new Exit(task.pid, 0, java.time.Instant.now()));
    publisher.publish(TaskTopics.DELETE, TaskDelete.newBuilder()
        .setContainerId(task.id)
        .setId(task.id)
        .setPid(task.pid)
        .setExitStatus(e.status())
        .setExitedAt(timestamp(e.exitedAt()))
        .build());
    return DeleteResponse.newBuilder()
        .setPid(task.pid)
        .setExitStatus(e.status())
        .setExitedAt(timestamp(e.exitedAt()))
        .build();
  }

  @Override
  public StatsResponse stats(CallContext ctx, StatsRequest request) throws Exception {
    Task task = task(request.getId());
    if (task.status() != Status.RUNNING) {
      throw TtrpcException.notFound("task " + task.id + " is not running");
    }
    // The process's own cgroup (v1 or v2); its metrics are what containerd's Stats expects.
    return StatsResponse.newBuilder().setStats(Anys.pack(Cgroups.ofProcess(task.pid).metrics())).build();
  }

  @Override
  public ConnectResponse connect(CallContext ctx, ConnectRequest request) {
    Task task = tasks.get(request.getId());
    return ConnectResponse.newBuilder()
        .setShimPid((int) ProcessHandle.current().pid())
        .setTaskPid(task == null ? 0 : task.pid)
        .build();
  }

  /** containerd calls Shutdown after each Delete; a daemon that serves a pod stays while it has tasks. */
  @Override
  public Empty shutdown(CallContext ctx, ShutdownRequest request) {
    if (tasks.isEmpty() || request.getNow()) {
      exit.signal();
    }
    return Empty.getDefaultInstance();
  }

  private Task task(String id) {
    Task task = tasks.get(id);
    if (task == null) {
      throw TtrpcException.notFound("no task " + id);
    }
    return task;
  }

  /** Opens one end of a copy. */
  private interface Opener<T> {
    T open() throws IOException;
  }

  /**
   * Copies a stream to another on a virtual thread of its own: containerd's stdin FIFO to the
   * child, or the child's output to containerd's FIFOs. The FIFOs open when containerd has the
   * other end open; {@code to} opens first so that it is closed (the child sees end of input)
   * even when {@code from} cannot be opened.
   */
  private static void copy(String name, Opener<InputStream> from, Opener<OutputStream> to) {
    Thread.ofVirtual().name("copy " + name).start(() -> {
      try (OutputStream out = to.open(); InputStream in = from.open()) {
        in.transferTo(out);
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "copy " + name + ": " + e.getMessage());
      }
    });
  }

  private static Opener<InputStream> fifoIn(String path) {
    return () -> path.isEmpty() ? InputStream.nullInputStream() : Files.newInputStream(Path.of(path));
  }

  private static Opener<OutputStream> fifoOut(String path) {
    return () -> path.isEmpty() ? OutputStream.nullOutputStream() : Files.newOutputStream(Path.of(path));
  }
}
