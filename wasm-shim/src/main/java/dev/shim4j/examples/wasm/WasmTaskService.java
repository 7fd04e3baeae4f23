package dev.shim4j.examples.wasm;

import dev.shim4j.shim.event.TaskTopics;
import com.google.protobuf.Empty;
import dev.shim4j.api.events.TaskDelete;
import dev.shim4j.api.task.v2.CloseIORequest;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.CreateTaskResponse;
import dev.shim4j.api.task.v2.DeleteRequest;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.ExecProcessRequest;
import dev.shim4j.api.task.v2.KillRequest;
import dev.shim4j.api.task.v2.PidsRequest;
import dev.shim4j.api.task.v2.PidsResponse;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.StartRequest;
import dev.shim4j.api.task.v2.StartResponse;
import dev.shim4j.api.task.v2.StateRequest;
import dev.shim4j.api.task.v2.StateResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.task.v2.WaitRequest;
import dev.shim4j.api.task.v2.WaitResponse;
import dev.shim4j.api.types.task.ProcessInfo;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.event.Publisher;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.TtrpcException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Task service of the wasm shim over the containers of its daemon. Create, Start, Kill,
 * Wait, State, Pids, Delete, CloseIO, Connect and Shutdown are served; Exec, Pause, Resume,
 * Checkpoint, Update, ResizePty and Stats answer UNIMPLEMENTED (the generated defaults): an
 * instance has no process to exec into, freeze or measure.
 *
 * <p>Containers of one daemon are independent: each RPC takes only its container's lock
 * ({@link WasmContainer}); the map is concurrent, and a second Create of an id in use is
 * ALREADY_EXISTS because the id is claimed ({@code creating}) before anything is made for it.
 */
final class WasmTaskService implements TaskTtrpc.Service {
  private static final Logger LOG = ShimLogging.logger(WasmTaskService.class);
  static final String VERSION = "shim4j-wasm (Chicory)";

  private final String namespace;
  private final Publisher publisher;
  private final ExitSignal exitSignal;
  private final Map<String, WasmContainer> containers = new ConcurrentHashMap<>();
  private final Map<String, Boolean> creating = new ConcurrentHashMap<>();

  WasmTaskService(String namespace, Publisher publisher, ExitSignal exitSignal) {
    this.namespace = namespace;
    this.publisher = publisher;
    this.exitSignal = exitSignal;
  }

  private WasmContainer container(String id) {
    WasmContainer c = containers.get(id);
    if (c == null) {
      throw TtrpcException.notFound("container " + id + " not found");
    }
    return c;
  }

  /** A wasm container is one instance: any exec id names a process that does not exist. */
  private WasmContainer init(String id, String execId) {
    WasmContainer c = container(id);
    if (!execId.isEmpty()) {
      throw TtrpcException.notFound("container " + id + " has no exec " + execId + ": wasm containers have no execs");
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
      if (!req.getCheckpoint().isEmpty()) {
        throw TtrpcException.unimplemented("wasm containers cannot be restored from a checkpoint");
      }
      WasmContainer c = WasmContainer.create(req, publisher);
      containers.put(id, c);
      LOG.log(Level.INFO, "created wasm container " + id + " in namespace " + namespace);
      return CreateTaskResponse.newBuilder().setPid(WasmContainer.PID).build();
    } finally {
      creating.remove(id);
    }
  }

  @Override
  public StartResponse start(CallContext ctx, StartRequest req) throws Exception {
    init(req.getId(), req.getExecId()).start();
    return StartResponse.newBuilder().setPid(WasmContainer.PID).build();
  }

  @Override
  public Empty kill(CallContext ctx, KillRequest req) throws Exception {
    init(req.getId(), req.getExecId()).kill(req.getSignal());
    return Empty.getDefaultInstance();
  }

  @Override
  public WaitResponse wait(CallContext ctx, WaitRequest req) throws Exception {
    WasmContainer c = init(req.getId(), req.getExecId());
    WasmContainer.Exit exit = awaitExit(ctx, c);
    return WaitResponse.newBuilder()
        .setExitStatus(exit.status())
        .setExitedAt(ExitStatus.timestamp(exit.at()))
        .build();
  }

  /** Waits for the exit until the caller's deadline, or until the caller goes away. */
  private static WasmContainer.Exit awaitExit(CallContext ctx, WasmContainer c) throws Exception {
    long deadline = ctx.remaining().map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || ctx.isCancelled()) {
        throw new TimeoutException("wait for container " + c.id + " cancelled");
      }
      try {
        return c.exited.get(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // re-check the caller
      }
    }
  }

  @Override
  public StateResponse state(CallContext ctx, StateRequest req) throws Exception {
    WasmContainer c = init(req.getId(), req.getExecId());
    StateResponse.Builder b = StateResponse.newBuilder()
        .setId(c.id)
        .setBundle(c.bundle.toString())
        .setPid(WasmContainer.PID)
        .setStatus(c.status())
        .setStdin(c.stdio.stdinSpec())
        .setStdout(c.stdio.stdoutSpec())
        .setStderr(c.stdio.stderrSpec());
    WasmContainer.Exit exit = c.exited.getNow(null);
    if (exit != null) {
      b.setExitStatus(exit.status()).setExitedAt(ExitStatus.timestamp(exit.at()));
    }
    return b.build();
  }

  /** The instance runs in the daemon: its one "process" is the daemon's. */
  @Override
  public PidsResponse pids(CallContext ctx, PidsRequest req) throws Exception {
    container(req.getId());
    return PidsResponse.newBuilder().addProcesses(ProcessInfo.newBuilder().setPid(WasmContainer.PID)).build();
  }

  @Override
  public DeleteResponse delete(CallContext ctx, DeleteRequest req) throws Exception {
    WasmContainer c = init(req.getId(), req.getExecId());
    WasmContainer.Exit exit = c.delete();
    containers.remove(c.id);
    publisher.publish(TaskTopics.DELETE, TaskDelete.newBuilder()
        .setContainerId(c.id)
        .setPid(WasmContainer.PID)
        .setExitStatus(exit.status())
        .setExitedAt(ExitStatus.timestamp(exit.at()))
        .build());
    LOG.log(Level.INFO, "deleted wasm container " + c.id);
    return DeleteResponse.newBuilder()
        .setPid(WasmContainer.PID)
        .setExitStatus(exit.status())
        .setExitedAt(ExitStatus.timestamp(exit.at()))
        .build();
  }

  /** CloseIO: the instance reads stdin's remaining data, then end of file (see {@link WasmStdio}). */
  @Override
  public Empty closeIO(CallContext ctx, CloseIORequest req) throws Exception {
    WasmContainer c = init(req.getId(), req.getExecId());
    if (req.getStdin()) {
      c.stdio.closeStdin();
    }
    return Empty.getDefaultInstance();
  }

  @Override
  public Empty exec(CallContext ctx, ExecProcessRequest req) throws Exception {
    container(req.getId());
    throw TtrpcException.unimplemented("wasm containers have no processes to exec: the module is the container");
  }

  @Override
  public ConnectResponse connect(CallContext ctx, ConnectRequest req) throws Exception {
    return ConnectResponse.newBuilder()
        .setShimPid(WasmContainer.PID)
        .setTaskPid(containers.containsKey(req.getId()) ? WasmContainer.PID : 0)
        .setVersion(VERSION)
        .build();
  }

  @Override
  public Empty shutdown(CallContext ctx, ShutdownRequest req) throws Exception {
    // A shared daemon serves other containers still: it exits with the last one.
    if (containers.isEmpty() && creating.isEmpty()) {
      LOG.log(Level.INFO, "no container left: shutting down");
      exitSignal.signal();
    }
    return Empty.getDefaultInstance();
  }
}
