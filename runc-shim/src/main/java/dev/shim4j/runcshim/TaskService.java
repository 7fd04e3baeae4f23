package dev.shim4j.runcshim;

import dev.shim4j.shim.event.TaskTopics;
import com.google.protobuf.Empty;
import dev.shim4j.api.Anys;
import dev.shim4j.api.events.TaskDelete;
import dev.shim4j.api.events.TaskOOM;
import dev.shim4j.api.runc.options.ProcessDetails;
import dev.shim4j.api.task.v2.CheckpointTaskRequest;
import dev.shim4j.api.task.v2.CloseIORequest;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.CreateTaskResponse;
import dev.shim4j.api.task.v2.DeleteRequest;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.ExecProcessRequest;
import dev.shim4j.api.task.v2.KillRequest;
import dev.shim4j.api.task.v2.PauseRequest;
import dev.shim4j.api.task.v2.PidsRequest;
import dev.shim4j.api.task.v2.PidsResponse;
import dev.shim4j.api.task.v2.ResizePtyRequest;
import dev.shim4j.api.task.v2.ResumeRequest;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.StartRequest;
import dev.shim4j.api.task.v2.StartResponse;
import dev.shim4j.api.task.v2.StateRequest;
import dev.shim4j.api.task.v2.StateResponse;
import dev.shim4j.api.task.v2.StatsRequest;
import dev.shim4j.api.task.v2.StatsResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.task.v2.UpdateTaskRequest;
import dev.shim4j.api.task.v2.WaitRequest;
import dev.shim4j.api.task.v2.WaitResponse;
import dev.shim4j.api.types.task.ProcessInfo;
import dev.shim4j.runc.RuncException;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.cgroup.OomWatcher;
import dev.shim4j.shim.event.Publisher;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.reaper.Exit;
import dev.shim4j.sys.Processes;
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.TtrpcException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Task service of the runc shim: every RPC of {@code containerd.task.v2.Task} (and v3, the
 * same messages) over the containers this daemon serves (one, a pod's, or the node's).
 */
final class TaskService implements TaskTtrpc.Service {
  private static final Logger LOG = ShimLogging.logger(TaskService.class);
  static final String VERSION = "runc4j " + versionOf();

  private final String namespace;
  private final Publisher publisher;
  private final ExitSignal exitSignal;
  private final ExitRouter exits;
  private final OomWatcher oomWatcher;
  private final Map<String, Container> containers = new ConcurrentHashMap<>();
  /** Ids being created: a second Create for the same id is ALREADY_EXISTS, not a race. */
  private final Map<String, Boolean> creating = new ConcurrentHashMap<>();

  TaskService(String namespace, Publisher publisher, ExitSignal exitSignal, ExitRouter exits) {
    this.namespace = namespace;
    this.publisher = publisher;
    this.exitSignal = exitSignal;
    this.exits = exits;
    // The kernel's OOM kills become /tasks/oom; the callback only queues the event.
    this.oomWatcher = new OomWatcher(containerId ->
        publisher.publish(TaskTopics.OOM, TaskOOM.newBuilder().setContainerId(containerId).build()));
  }

  private static String versionOf() {
    String v = TaskService.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private Container container(String id) {
    Container c = containers.get(id);
    if (c == null) {
      throw TtrpcException.notFound("container " + id + " not found");
    }
    return c;
  }

  @Override
  public CreateTaskResponse create(CallContext ctx, CreateTaskRequest req) throws Exception {
    String id = req.getId();
    if (containers.containsKey(id) || creating.putIfAbsent(id, Boolean.TRUE) != null) {
      throw TtrpcException.alreadyExists("container " + id + " already exists");
    }
    try {
      Container c = Container.create(req, namespace, publisher, exits, oomWatcher);
      containers.put(id, c);
      LOG.log(Level.INFO, "created container " + id + " pid " + c.init.pid());
      return CreateTaskResponse.newBuilder().setPid(c.init.pid()).build();
    } finally {
      creating.remove(id);
    }
  }

  @Override
  public StartResponse start(CallContext ctx, StartRequest req) throws Exception {
    Container c = container(req.getId());
    ContainerProcess p = c.process(req.getExecId());
    int pid = p.isInit() ? c.startInit() : c.startExec(p);
    return StartResponse.newBuilder().setPid(pid).build();
  }

  @Override
  public DeleteResponse delete(CallContext ctx, DeleteRequest req) throws Exception {
    Container c = container(req.getId());
    if (!req.getExecId().isEmpty()) {
      ContainerProcess p = c.deleteExec(req.getExecId());
      return DeleteResponse.newBuilder()
          .setPid(p.pid())
          .setExitStatus(p.exitStatus())
          .setExitedAt(p.exitedAtProto())
          .build();
    }
    c.deleteInit();
    containers.remove(c.id);
    ContainerProcess init = c.init;
    publisher.publish(TaskTopics.DELETE, TaskDelete.newBuilder()
        .setContainerId(c.id)
        .setPid(init.pid())
        .setExitStatus(init.exitStatus())
        .setExitedAt(init.exitedAtProto())
        .build());
    LOG.log(Level.INFO, "deleted container " + c.id);
    return DeleteResponse.newBuilder()
        .setPid(init.pid())
        .setExitStatus(init.exitStatus())
        .setExitedAt(init.exitedAtProto())
        .build();
  }

  @Override
  public Empty exec(CallContext ctx, ExecProcessRequest req) throws Exception {
    container(req.getId()).addExec(req);
    return Empty.getDefaultInstance();
  }

  @Override
  public Empty kill(CallContext ctx, KillRequest req) throws Exception {
    Container c = container(req.getId());
    c.kill(c.process(req.getExecId()), req.getSignal(), req.getAll());
    return Empty.getDefaultInstance();
  }

  @Override
  public WaitResponse wait(CallContext ctx, WaitRequest req) throws Exception {
    ContainerProcess p = container(req.getId()).process(req.getExecId());
    Exit exit = awaitExit(ctx, p);
    return WaitResponse.newBuilder()
        .setExitStatus(p.exitStatus())
        .setExitedAt(ContainerProcess.timestamp(exit.exitedAt()))
        .build();
  }

  /** Waits for the exit until the caller's deadline, or until the caller goes away. */
  private static Exit awaitExit(CallContext ctx, ContainerProcess p) throws Exception {
    long deadline = ctx.remaining().map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || ctx.isCancelled()) {
        throw new TimeoutException("wait for " + p.describe() + " cancelled");
      }
      try {
        return p.exited.get(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // re-check the caller
      }
    }
  }

  @Override
  public StateResponse state(CallContext ctx, StateRequest req) throws Exception {
    Container c = container(req.getId());
    ContainerProcess p = c.process(req.getExecId());
    StateResponse.Builder b = StateResponse.newBuilder()
        .setId(p.processId())
        .setBundle(c.bundle.toString())
        .setPid(p.pid())
        .setStatus(p.status())
        .setStdin(p.stdio.stdin())
        .setStdout(p.stdio.stdout())
        .setStderr(p.stdio.stderr())
        .setTerminal(p.stdio.terminal())
        .setExecId(p.execId);
    if (p.hasExited()) {
      b.setExitStatus(p.exitStatus()).setExitedAt(p.exitedAtProto());
    }
    return b.build();
  }

  @Override
  public PidsResponse pids(CallContext ctx, PidsRequest req) throws Exception {
    Container c = container(req.getId());
    List<Integer> pids;
    try {
      pids = c.runc.ps(c.id);
    } catch (RuncException e) {
      throw TtrpcException.failedPrecondition(e.getMessage());
    }
    PidsResponse.Builder b = PidsResponse.newBuilder();
    for (int pid : pids) {
      ProcessInfo.Builder info = ProcessInfo.newBuilder().setPid(pid);
      ContainerProcess e = c.execByPid(pid);
      if (e != null) {
        info.setInfo(Anys.pack(ProcessDetails.newBuilder().setExecId(e.execId).build()));
      }
      b.addProcesses(info);
    }
    return b.build();
  }

  @Override
  public Empty pause(CallContext ctx, PauseRequest req) throws Exception {
    container(req.getId()).pause();
    return Empty.getDefaultInstance();
  }

  @Override
  public Empty resume(CallContext ctx, ResumeRequest req) throws Exception {
    container(req.getId()).resume();
    return Empty.getDefaultInstance();
  }

  @Override
  public Empty checkpoint(CallContext ctx, CheckpointTaskRequest req) throws Exception {
    container(req.getId()).checkpoint(req.getPath(), req.getOptions());
    return Empty.getDefaultInstance();
  }

  @Override
  public Empty resizePty(CallContext ctx, ResizePtyRequest req) throws Exception {
    ContainerProcess p = container(req.getId()).process(req.getExecId());
    p.stdio.resize(req.getWidth(), req.getHeight());
    return Empty.getDefaultInstance();
  }

  @Override
  public Empty closeIO(CallContext ctx, CloseIORequest req) throws Exception {
    ContainerProcess p = container(req.getId()).process(req.getExecId());
    if (req.getStdin()) {
      p.stdio.closeStdin();
    }
    return Empty.getDefaultInstance();
  }

  @Override
  public Empty update(CallContext ctx, UpdateTaskRequest req) throws Exception {
    Container c = container(req.getId());
    if (!req.hasResources()) {
      throw TtrpcException.invalidArgument("Update needs resources");
    }
    byte[] json = req.getResources().getValue().toString(StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    try {
      c.runc.update(c.id, json);
    } catch (RuncException e) {
      throw TtrpcException.failedPrecondition(e.getMessage());
    }
    return Empty.getDefaultInstance();
  }

  @Override
  public StatsResponse stats(CallContext ctx, StatsRequest req) throws Exception {
    Container c = container(req.getId());
    return StatsResponse.newBuilder().setStats(Anys.pack(c.metrics())).build();
  }

  @Override
  public ConnectResponse connect(CallContext ctx, ConnectRequest req) throws Exception {
    Container c = containers.get(req.getId());
    return ConnectResponse.newBuilder()
        .setShimPid(Processes.getpid())
        .setTaskPid(c == null ? 0 : c.init.pid())
        .setVersion(VERSION)
        .build();
  }

  @Override
  public Empty shutdown(CallContext ctx, ShutdownRequest req) throws Exception {
    // A grouped daemon serves other containers still: it exits with the last one.
    if (containers.isEmpty() && creating.isEmpty()) {
      LOG.log(Level.INFO, "no container left: shutting down");
      exitSignal.signal();
    }
    return Empty.getDefaultInstance();
  }

  int containerCount() {
    return containers.size();
  }

}
