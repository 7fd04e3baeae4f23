package dev.shim4j.runcshim;

import dev.shim4j.shim.event.TaskTopics;
import com.google.protobuf.Any;
import dev.shim4j.api.events.TaskCheckpointed;
import dev.shim4j.api.events.TaskCreate;
import dev.shim4j.api.events.TaskExecAdded;
import dev.shim4j.api.events.TaskExecStarted;
import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.events.TaskIO;
import dev.shim4j.api.events.TaskPaused;
import dev.shim4j.api.events.TaskResumed;
import dev.shim4j.api.events.TaskStart;
import dev.shim4j.api.runc.options.CheckpointOptions;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.ExecProcessRequest;
import dev.shim4j.api.types.Mount;
import dev.shim4j.api.types.task.Status;
import dev.shim4j.runc.CreateOptions;
import dev.shim4j.runc.ExecOptions;
import dev.shim4j.runc.Json;
import dev.shim4j.runc.Runc;
import dev.shim4j.runc.RuncException;
import dev.shim4j.shim.cgroup.Cgroup;
import dev.shim4j.shim.cgroup.Cgroups;
import dev.shim4j.shim.cgroup.OomWatcher;
import dev.shim4j.shim.event.Publisher;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.mount.Mounter;
import dev.shim4j.shim.reaper.Exit;
import dev.shim4j.sys.Processes;
import dev.shim4j.sys.Signals;
import dev.shim4j.sys.SysException;
import dev.shim4j.ttrpc.TtrpcException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One container of the shim: its runc, rootfs, init process and execs, and the rules that order
 * its events (create, start, exec-added, exec-started, exits of execs before init's, delete).
 */
final class Container {
  private static final Logger LOG = ShimLogging.logger(Container.class);
  /** How long an exit waits for its output to reach containerd. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
  /** How long an exit event waits for its start event (the start RPC is still running). */
  static final Duration START_EVENT_TIMEOUT = Duration.ofSeconds(60);
  /** How long init's exit waits for the exits of its execs. */
  static final Duration EXEC_EXITS_TIMEOUT = Duration.ofSeconds(10);
  /** How long init's exit waits for exec starts under way when it came (see {@link ExecStartGate}). */
  static final Duration EXEC_STARTS_TIMEOUT = Duration.ofSeconds(60);
  /** Written into the bundle once Delete cleaned everything up; see {@link #markDeleted}. */
  // The launcher (dist launcher.bash) checks for this name too, to answer `delete` without a JVM.
  static final String DELETED_MARKER = ".shim4j-deleted";
  /** Kill's NOT_FOUND text for a process that exited, Go's shim's words (see {@link #kill}). */
  private static final String ALREADY_FINISHED = "process already finished: not found";

  final String id;
  final String namespace;
  final Path bundle;
  final RuncConfig config;
  final Runc runc;
  private final Publisher publisher;
  private final ExitRouter exits;
  private final List<Mount> rootfsMounts;
  private final boolean ownPidNamespace;
  /** Set when Create carried a checkpoint: Start restores from it instead of starting. */
  private final String checkpoint;
  private final OomWatcher oomWatcher;

  final ContainerProcess init;
  private final Map<String, ContainerProcess> execs = new ConcurrentHashMap<>();
  /** Exec starts under way; init's exit closes it and waits for them. */
  private final ExecStartGate execStarts = new ExecStartGate();
  /** The container's cgroup, found from init's pid once it exists; null when unknown. */
  private volatile Cgroup cgroup;

  private Container(CreateTaskRequest req, String namespace, RuncConfig config, ProcessStdio stdio,
      Publisher publisher, ExitRouter exits, boolean ownPidNamespace, OomWatcher oomWatcher) {
    this.id = req.getId();
    this.namespace = namespace;
    this.bundle = Path.of(req.getBundle());
    this.config = config;
    this.runc = config.runc(namespace, bundle);
    this.publisher = publisher;
    this.exits = exits;
    this.rootfsMounts = List.copyOf(req.getRootfsList());
    this.ownPidNamespace = ownPidNamespace;
    this.checkpoint = req.getCheckpoint();
    this.oomWatcher = oomWatcher;
    this.init = new ContainerProcess(id, "", null, stdio);
  }

  // ------------------------------------------------------------------ create

  /** Create: options files, rootfs, stdio, runc create; publishes /tasks/create. */
  static Container create(CreateTaskRequest req, String namespace, Publisher publisher, ExitRouter exits,
      OomWatcher oomWatcher) throws Exception {
    if (req.getId().isEmpty() || req.getBundle().isEmpty()) {
      throw TtrpcException.invalidArgument("Create needs an id and a bundle");
    }
    Path bundle = Path.of(req.getBundle());
    RuncConfig config = RuncConfig.fromAny(req.getOptions());
    config.write(bundle);
    Map<String, Object> spec = readSpec(bundle);
    boolean ownPid = hasOwnPidNamespace(spec);
    joinShimCgroup(config);

    Path rootfs = bundle.resolve("rootfs");
    if (!req.getRootfsList().isEmpty()) {
      Mounter.mountAll(req.getRootfsList(), rootfs);
    }
    ProcessStdio stdio = null;
    Container c = null;
    try {
      stdio = ProcessStdio.open(req.getId(), req.getTerminal(), req.getStdin(), req.getStdout(),
          req.getStderr(), req.getId(), namespace, config.options.getIoUid(), config.options.getIoGid());
      c = new Container(req, namespace, config, stdio, publisher, exits, ownPid, oomWatcher);
      if (c.checkpoint.isEmpty()) {
        c.runcCreate();
      }
    } catch (Exception e) {
      if (stdio != null) {
        stdio.close();
      }
      if (c != null) {
        c.forceDeleteQuietly();
      }
      if (!req.getRootfsList().isEmpty()) {
        try {
          Mounter.unmountAll(rootfs);
        } catch (IOException ue) {
          LOG.log(Level.WARNING, "cannot unmount " + rootfs + " after a failed create: " + ue.getMessage());
        }
      }
      throw e;
    }
    publisher.publish(TaskTopics.CREATE, TaskCreate.newBuilder()
        .setContainerId(c.id)
        .setBundle(req.getBundle())
        .addAllRootfs(req.getRootfsList())
        .setIo(TaskIO.newBuilder()
            .setStdin(req.getStdin())
            .setStdout(req.getStdout())
            .setStderr(req.getStderr())
            .setTerminal(req.getTerminal()))
        .setCheckpoint(req.getCheckpoint())
        .setPid(c.init.pid())
        .build());
    return c;
  }

  private void runcCreate() throws Exception {
    Path pidFile = bundle.resolve("init.pid");
    ConsoleSocket console = init.stdio.terminal() ? ConsoleSocket.create() : null;
    Instant since = exits.beginStart();
    try {
      CreateOptions opts = CreateOptions.create()
          .pidFile(pidFile)
          .noPivot(config.options.getNoPivotRoot())
          .noNewKeyring(config.options.getNoNewKeyring())
          .io(init.stdio.childIo());
      if (console != null) {
        opts.consoleSocket(console.path());
      }
      runc.create(id, bundle, opts);
      int pid = Runc.readPid(pidFile);
      init.pid(pid);
      exits.register(pid, since, exit -> onExit(init, exit));
      if (console != null) {
        init.stdio.attachConsole(console.receiveMaster());
      }
      init.stdio.childStarted();
    } catch (RuncException e) {
      throw TtrpcException.failedPrecondition(e.getMessage());
    } finally {
      exits.endStart();
      if (console != null) {
        console.close();
      }
    }
    startOomWatch();
  }

  // ------------------------------------------------------------------ start

  /** Start of init (or restore from the checkpoint given to Create); publishes /tasks/start. */
  int startInit() throws Exception {
    if (init.status() != Status.CREATED) {
      throw TtrpcException.failedPrecondition("container " + id + " is " + init.status().name().toLowerCase()
          + ", not created");
    }
    init.startRequested = true;
    try {
      if (!checkpoint.isEmpty()) {
        restore();
      } else {
        runc.start(id);
      }
      init.status(Status.RUNNING);
      publisher.publish(TaskTopics.START, TaskStart.newBuilder().setContainerId(id).setPid(init.pid()).build());
      return init.pid();
    } catch (RuncException e) {
      throw TtrpcException.failedPrecondition(e.getMessage());
    } finally {
      init.startPublished.complete(null);
    }
  }

  private void restore() throws Exception {
    Path pidFile = bundle.resolve("init.pid");
    ConsoleSocket console = init.stdio.terminal() ? ConsoleSocket.create() : null;
    Instant since = exits.beginStart();
    try {
      CreateOptions opts = CreateOptions.create()
          .pidFile(pidFile)
          .noPivot(config.options.getNoPivotRoot())
          .io(init.stdio.childIo());
      if (console != null) {
        opts.consoleSocket(console.path());
      }
      dev.shim4j.runc.CheckpointOptions criu = dev.shim4j.runc.CheckpointOptions.create()
          .imagePath(Path.of(checkpoint))
          .workPath(criuWorkPath())
          .shellJob(init.stdio.terminal());
      runc.restore(id, bundle, opts, criu);
      int pid = Runc.readPid(pidFile);
      init.pid(pid);
      exits.register(pid, since, exit -> onExit(init, exit));
      if (console != null) {
        init.stdio.attachConsole(console.receiveMaster());
      }
      init.stdio.childStarted();
    } finally {
      exits.endStart();
      if (console != null) {
        console.close();
      }
    }
    startOomWatch();
  }

  private Path criuWorkPath() throws IOException {
    String w = config.options.getCriuWorkPath();
    Path work = w.isEmpty() ? bundle.resolve("criu-work") : Path.of(w);
    Files.createDirectories(work);
    return work;
  }

  // ------------------------------------------------------------------ exec

  /**
   * Exec: registers a process to start later; publishes /tasks/exec-added. Refused once init's
   * exit went out; while that exit is held back (exec starts under way) the exec is added, and
   * its Start is refused, as containerd's runc shim answers.
   */
  void addExec(ExecProcessRequest req) throws Exception {
    String execId = req.getExecId();
    if (execId.isEmpty()) {
      throw TtrpcException.invalidArgument("Exec needs an exec id");
    }
    if (init.hasExited()) {
      throw TtrpcException.failedPrecondition("container " + id + " is stopped; cannot exec " + execId);
    }
    if (execs.containsKey(execId)) {
      throw TtrpcException.alreadyExists("exec " + execId + " already exists in container " + id);
    }
    byte[] json = execSpec(execId, req.getSpec(), req.getTerminal());
    ProcessStdio stdio = ProcessStdio.open(id + "-" + execId, req.getTerminal(), req.getStdin(),
        req.getStdout(), req.getStderr(), id, namespace, config.options.getIoUid(), config.options.getIoGid());
    ContainerProcess p = new ContainerProcess(id, execId, json, stdio);
    if (execs.putIfAbsent(execId, p) != null) {
      stdio.close();
      throw TtrpcException.alreadyExists("exec " + execId + " already exists in container " + id);
    }
    publisher.publish(TaskTopics.EXEC_ADDED, TaskExecAdded.newBuilder().setContainerId(id).setExecId(execId).build());
  }

  /**
   * The process.json runc gets for an exec: the request's spec with {@code terminal} taken from
   * the request. containerd's client sets the request's terminal and sends the spec as the
   * caller built it, so the two can disagree; runc refuses a console socket for a process whose
   * spec says no terminal ("cannot use console socket if runc will not detach or allocate tty"),
   * and the request is what the stdio was opened for. The spec is rewritten only when they differ.
   */
  static byte[] execSpec(String execId, Any spec, boolean terminal) {
    Map<String, Object> process;
    try {
      process = Json.parseObject(spec.getValue().toStringUtf8());
    } catch (IllegalArgumentException e) {
      throw TtrpcException.invalidArgument("exec " + execId + ": spec is not a JSON OCI Process: " + e.getMessage());
    }
    if (Boolean.valueOf(terminal).equals(process.getOrDefault("terminal", false))) {
      return spec.getValue().toByteArray();
    }
    process.put("terminal", terminal);
    return Json.write(process).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Start of an exec: runc exec --detach; publishes /tasks/exec-started. */
  int startExec(ContainerProcess p) throws Exception {
    if (p.status() != Status.CREATED) {
      throw TtrpcException.failedPrecondition(p.describe() + " is " + p.status().name().toLowerCase() + ", not created");
    }
    if (!execStarts.enter()) {
      throw TtrpcException.failedPrecondition("container " + id + " init process is not running; cannot start "
          + p.describe());
    }
    try {
      return runcExec(p);
    } finally {
      execStarts.leave();
    }
  }

  private int runcExec(ContainerProcess p) throws Exception {
    Path pidFile = bundle.resolve(p.execId + ".pid");
    ConsoleSocket console = p.stdio.terminal() ? ConsoleSocket.create() : null;
    p.startRequested = true;
    Instant since = exits.beginStart();
    try {
      ExecOptions opts = ExecOptions.create().pidFile(pidFile).detach(true).io(p.stdio.childIo());
      if (console != null) {
        opts.consoleSocket(console.path());
      }
      runc.exec(id, p.spec, opts);
      int pid = Runc.readPid(pidFile);
      p.pid(pid);
      exits.register(pid, since, exit -> onExit(p, exit));
      if (console != null) {
        p.stdio.attachConsole(console.receiveMaster());
      }
      p.stdio.childStarted();
      p.status(Status.RUNNING);
      publisher.publish(TaskTopics.EXEC_STARTED,
          TaskExecStarted.newBuilder().setContainerId(id).setExecId(p.execId).setPid(pid).build());
      if (init.hasExited()) {
        // Init's exit gave up waiting for this start (EXEC_STARTS_TIMEOUT) and went out: the
        // exec must not outlive its container.
        killQuietly(p);
      }
      return pid;
    } catch (RuncException e) {
      // The exec never ran: it is stopped, and Wait must not hang on it.
      p.stdio.close();
      if (p.markExited(255, Instant.now())) {
        p.exited.complete(new Exit(0, 255, p.exitedAt()));
        p.exitPublished.complete(null);
      }
      throw TtrpcException.failedPrecondition(e.getMessage());
    } finally {
      exits.endStart();
      p.startPublished.complete(null);
      if (console != null) {
        console.close();
      }
    }
  }

  // ------------------------------------------------------------------ exits

  /**
   * A process exited: drain its output, record the exit, then publish it in order: after its
   * start event, and for init after every exec's exit (execs die with init).
   *
   * <p>Init's exit is held back until the exec starts under way when it came have ended
   * ({@link ExecStartGate}); those that started are then killed with the rest and their exits
   * go out first. Until init's exit goes out the container is not stopped: State says running,
   * Wait waits, and an Exec is still added (its Start is refused), as in containerd's runc shim.
   *
   * <p>When init is gone from a container without a pid namespace of its own, what is left of
   * the container is killed first and the output drained after: its children inherited init's
   * stdio, so their output ends only with them. Draining first would wait out
   * {@link #DRAIN_TIMEOUT} and answer Wait while they still run.
   */
  private void onExit(ContainerProcess p, Exit exit) {
    if (p.isInit()) {
      killAllIfSharedPidNamespace();
      CompletableFuture<Void> starts = execStarts.close();
      if (!starts.isDone()) {
        await(starts, EXEC_STARTS_TIMEOUT, "exec starts under way in " + id);
        // An exec that joined after the kill above survived it.
        killAllIfSharedPidNamespace();
      }
    }
    p.stdio.awaitOutput(DRAIN_TIMEOUT);
    if (p.isInit()) {
      killExecs();
    }
    if (!p.markExited(exit.status(), exit.exitedAt())) {
      return;
    }
    p.exited.complete(exit);
    if (p.startRequested) {
      // Start is running or done: its event goes first (a created init killed before any
      // Start has no start event to wait for).
      await(p.startPublished, START_EVENT_TIMEOUT, "start event of " + p.describe());
    }
    publisher.publish(TaskTopics.EXIT, TaskExit.newBuilder()
        .setContainerId(id)
        .setId(p.processId())
        .setPid(exit.pid())
        .setExitStatus(exit.status())
        .setExitedAt(ContainerProcess.timestamp(exit.exitedAt()))
        .build());
    p.exitPublished.complete(null);
  }

  /**
   * Init is gone. Without a pid namespace of its own, the container's other processes survive
   * it: kill them all (in a pid namespace of its own the kernel already did).
   */
  private void killAllIfSharedPidNamespace() {
    if (!ownPidNamespace) {
      try {
        runc.kill(id, Signals.SIGKILL, true);
      } catch (Exception e) {
        LOG.log(Level.DEBUG, "kill --all after init exit of " + id + ": " + e.getMessage());
      }
    }
  }

  /**
   * Init is gone: its execs are killed too (most already died with it), and init's exit waits
   * for theirs so containerd sees them first.
   */
  private void killExecs() {
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    for (ContainerProcess e : execs.values()) {
      if (e.status() == Status.RUNNING || e.status() == Status.PAUSED) {
        killQuietly(e);
      }
      // Also an exec already marked exited whose exit is still on its way out (its handler runs
      // concurrently with this one: the kernel killed both at once).
      if (e.pid() > 0 && !e.exitPublished.isDone()) {
        waits.add(e.exitPublished);
      }
    }
    await(CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)), EXEC_EXITS_TIMEOUT,
        "exits of the execs of " + id);
  }

  private static void killQuietly(ContainerProcess e) {
    try {
      Processes.kill(e.pid(), Signals.SIGKILL);
    } catch (SysException gone) {
      // already dead
    }
  }

  private static void await(CompletableFuture<?> f, Duration timeout, String what) {
    try {
      f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.log(Level.WARNING, "gave up waiting " + timeout.toSeconds() + "s for " + what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      // a failed milestone still lets the exit go out
    }
  }

  // ------------------------------------------------------------------ queries and control

  ContainerProcess process(String execId) {
    if (execId == null || execId.isEmpty()) {
      return init;
    }
    ContainerProcess p = execs.get(execId);
    if (p == null) {
      throw TtrpcException.notFound("exec " + execId + " not found in container " + id);
    }
    return p;
  }

  ContainerProcess execByPid(int pid) {
    for (ContainerProcess p : execs.values()) {
      if (p.pid() == pid) {
        return p;
      }
    }
    return null;
  }

  /**
   * Signals {@code p}. The errors read as Go's shim words them, class suffix included (Go wraps
   * containerd's error classes, so its text ends in {@code : not found}): containerd 1.x strips
   * such a suffix and adds it again, 2.x passes the text on as it is, and either way ctr prints
   * {@code process already finished: not found} for a stopped task, as with Go's shim. NOT_FOUND
   * for a process that exited, FAILED_PRECONDITION for an exec not started yet.
   */
  void kill(ContainerProcess p, int signal, boolean all) throws Exception {
    if (p.hasExited()) {
      throw TtrpcException.notFound(ALREADY_FINISHED);
    }
    if (p.isInit()) {
      try {
        runc.kill(id, signal, all);
      } catch (RuncException e) {
        if (e.isNotFound()) {
          throw TtrpcException.notFound(ALREADY_FINISHED);
        }
        throw TtrpcException.failedPrecondition(e.getMessage());
      }
      return;
    }
    if (p.pid() == 0) {
      throw TtrpcException.failedPrecondition("process not created: failed precondition");
    }
    try {
      Processes.kill(p.pid(), signal);
    } catch (SysException e) {
      throw TtrpcException.notFound("exec kill error: " + ALREADY_FINISHED);
    }
  }


  void pause() throws Exception {
    if (init.status() != Status.RUNNING) {
      throw TtrpcException.failedPrecondition("container " + id + " is " + init.status().name().toLowerCase() + ", not running");
    }
    init.status(Status.PAUSING);
    try {
      runc.pause(id);
      init.status(Status.PAUSED);
    } catch (RuncException e) {
      init.status(Status.RUNNING);
      throw TtrpcException.failedPrecondition(e.getMessage());
    }
    publisher.publish(TaskTopics.PAUSED, TaskPaused.newBuilder().setContainerId(id).build());
  }

  void resume() throws Exception {
    if (init.status() != Status.PAUSED) {
      throw TtrpcException.failedPrecondition("container " + id + " is " + init.status().name().toLowerCase() + ", not paused");
    }
    try {
      runc.resume(id);
      init.status(Status.RUNNING);
    } catch (RuncException e) {
      throw TtrpcException.failedPrecondition(e.getMessage());
    }
    publisher.publish(TaskTopics.RESUMED, TaskResumed.newBuilder().setContainerId(id).build());
  }

  void checkpoint(String path, Any options) throws Exception {
    CheckpointOptions o = CheckpointConfig.fromAny(options);
    String image = !o.getImagePath().isEmpty() ? o.getImagePath() : path;
    if (image.isEmpty()) {
      throw TtrpcException.invalidArgument("Checkpoint needs an image path");
    }
    Files.createDirectories(Path.of(image));
    Path work = o.getWorkPath().isEmpty() ? criuWorkPath() : Path.of(o.getWorkPath());
    Files.createDirectories(work);
    dev.shim4j.runc.CheckpointOptions criu = dev.shim4j.runc.CheckpointOptions.create()
        .imagePath(Path.of(image))
        .workPath(work)
        .leaveRunning(!o.getExit())
        .tcpEstablished(o.getOpenTcp())
        .externalUnixSockets(o.getExternalUnixSockets())
        .shellJob(o.getTerminal())
        .fileLocks(o.getFileLocks())
        .manageCgroupsMode(o.getCgroupsMode().isEmpty() ? null : o.getCgroupsMode());
    if (!o.getParentPath().isEmpty()) {
      criu.parentPath(Path.of(o.getParentPath()));
    }
    for (String ns : o.getEmptyNamespacesList()) {
      criu.emptyNamespace(ns);
    }
    try {
      runc.checkpoint(id, criu);
    } catch (RuncException e) {
      throw TtrpcException.failedPrecondition(e.getMessage() + criuHint(work));
    }
    publisher.publish(TaskTopics.CHECKPOINTED,
        TaskCheckpointed.newBuilder().setContainerId(id).setCheckpoint(image).build());
  }

  /** The last error lines of criu's own log: the real reason runc only summarises. */
  private static String criuHint(Path work) {
    for (String log : List.of("dump.log", "restore.log")) {
      Path f = work.resolve(log);
      try {
        List<String> errors = Files.readAllLines(f).stream().filter(l -> l.contains("Error")).toList();
        if (!errors.isEmpty()) {
          return " (criu: " + String.join(" | ", errors.subList(Math.max(0, errors.size() - 3), errors.size())) + ")";
        }
      } catch (IOException ignored) {
        // no such log
      }
    }
    return "";
  }

  // ------------------------------------------------------------------ delete

  /** Delete of an exec: only once it stopped (or never started). */
  ContainerProcess deleteExec(String execId) throws Exception {
    ContainerProcess p = process(execId);
    if (p.status() == Status.RUNNING || p.status() == Status.PAUSED || p.status() == Status.PAUSING) {
      throw TtrpcException.failedPrecondition(p.describe() + " is still running");
    }
    execs.remove(execId);
    p.stdio.awaitOutput(Duration.ofSeconds(2));
    p.stdio.close();
    Files.deleteIfExists(bundle.resolve(execId + ".pid"));
    if (!p.hasExited()) {
      p.markExited(0, Instant.now());
    }
    // A Wait on an exec deleted before it ran must not hang.
    p.exited.complete(new Exit(p.pid(), p.exitStatus(), p.exitedAt()));
    p.startPublished.complete(null);
    p.exitPublished.complete(null);
    return p;
  }

  /** Delete of the container: runc delete, stdio closed, rootfs unmounted. */
  void deleteInit() throws Exception {
    Status s = init.status();
    if (s == Status.RUNNING || s == Status.PAUSED || s == Status.PAUSING) {
      throw TtrpcException.failedPrecondition("container " + id + " is still running; kill it first");
    }
    // Before runc removes the cgroup: its removal would look like an OOM to a v1 eventfd.
    stopOomWatch();
    if (s == Status.CREATED) {
      // Never started: runc delete --force kills the waiting init; its exit goes out as usual.
      forceDeleteQuietly();
      init.startPublished.complete(null);
      if (init.pid() == 0) {
        init.markExited(0, Instant.now());
        init.exitPublished.complete(null);
      } else {
        await(init.exitPublished, Duration.ofSeconds(5), "exit of the deleted created container " + id);
        if (!init.hasExited()) {
          init.markExited(137, Instant.now());
        }
      }
    } else {
      try {
        runc.delete(id, false);
      } catch (RuncException e) {
        if (!e.isNotFound()) {
          try {
            runc.delete(id, true);
          } catch (RuncException e2) {
            if (!e2.isNotFound()) {
              throw TtrpcException.failedPrecondition(e2.getMessage());
            }
          }
        }
      }
    }
    init.stdio.awaitOutput(Duration.ofSeconds(2));
    init.stdio.close();
    for (ContainerProcess e : execs.values()) {
      e.stdio.close();
    }
    if (!rootfsMounts.isEmpty()) {
      Mounter.unmountAll(bundle.resolve("rootfs"));
    }
    markDeleted(bundle);
  }

  /**
   * Marks the bundle as fully cleaned (runc state gone, rootfs unmounted). containerd 1.6 runs
   * the {@code delete} action after every shim disconnect, even a clean one; a launcher may
   * answer it without starting a JVM when this file exists (an empty stdout is an empty
   * DeleteResponse, and containerd ignores it for a task it already deleted).
   */
  static void markDeleted(Path bundle) {
    try {
      Files.writeString(bundle.resolve(DELETED_MARKER), "");
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "cannot mark " + bundle + " deleted: " + e.getMessage());
    }
  }

  private void forceDeleteQuietly() {
    try {
      runc.delete(id, true);
    } catch (Exception e) {
      LOG.log(Level.DEBUG, "runc delete --force " + id + ": " + e.getMessage());
    }
  }

  boolean hasLiveProcesses() {
    if (!init.hasExited() && init.pid() != 0) {
      return true;
    }
    return execs.values().stream().anyMatch(e -> e.status() == Status.RUNNING);
  }

  // ------------------------------------------------------------------ cgroup: OOM and stats

  /** Finds the cgroup from init's pid (works for cgroupfs and systemd paths) and watches for OOM. */
  private void startOomWatch() {
    try {
      Cgroup cg = Cgroups.ofProcess(init.pid());
      cgroup = cg;
      oomWatcher.watch(id, cg);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "no OOM events for " + id + ": " + e.getMessage());
    }
  }

  private void stopOomWatch() {
    oomWatcher.unwatch(id);
  }

  /** Stats: the cgroup's files when known (cheap), else one {@code runc events --stats}. */
  com.google.protobuf.Message metrics() throws Exception {
    Cgroup cg = cgroup;
    if (cg != null && cg.exists()) {
      try {
        return cg.metrics();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "cgroup metrics of " + id + " failed, asking runc: " + e.getMessage());
      }
    }
    try {
      return StatsMetrics.of(runc.stats(id));
    } catch (RuncException e) {
      throw TtrpcException.failedPrecondition(e.getMessage());
    }
  }

  /** The shim_cgroup option: the daemon joins that cgroup (idempotent, so every Create may ask). */
  private static void joinShimCgroup(RuncConfig config) {
    String cg = config.options.getShimCgroup();
    if (cg.isEmpty()) {
      return;
    }
    try {
      Cgroups.moveProcess(Processes.getpid(), cg);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "cannot join shim_cgroup " + cg + ": " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------ spec helpers

  private static Map<String, Object> readSpec(Path bundle) {
    try {
      return Json.parseObject(Files.readString(bundle.resolve("config.json")));
    } catch (IOException | IllegalArgumentException e) {
      LOG.log(Level.WARNING, "cannot read " + bundle.resolve("config.json") + ": " + e.getMessage());
      return Map.of();
    }
  }

  /** True when the spec asks for a new pid namespace (a "pid" entry without a path to join). */
  static boolean hasOwnPidNamespace(Map<String, Object> spec) {
    for (Object o : Json.array(Json.object(spec, "linux"), "namespaces")) {
      if (o instanceof Map<?, ?> ns && "pid".equals(ns.get("type"))) {
        Object path = ns.get("path");
        return path == null || path.toString().isEmpty();
      }
    }
    return false;
  }
}
