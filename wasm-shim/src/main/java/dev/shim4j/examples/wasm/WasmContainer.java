package dev.shim4j.examples.wasm;

import dev.shim4j.shim.event.TaskTopics;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import dev.shim4j.api.events.TaskCreate;
import dev.shim4j.api.events.TaskExit;
import dev.shim4j.api.events.TaskIO;
import dev.shim4j.api.events.TaskStart;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.types.task.Status;
import dev.shim4j.shim.bundle.OciSpec;
import dev.shim4j.shim.event.Publisher;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.mount.Mounter;
import dev.shim4j.ttrpc.TtrpcException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One wasm container: a checked module, its stdio, and the instance's life: CREATED, RUNNING
 * (on a thread of its own), STOPPED with an exit status.
 *
 * <p>Every change of phase happens under this object's lock, and each event is published inside
 * the change it reports, so containerd sees TaskCreate, TaskStart, TaskExit in that order: the
 * runner thread starts only after TaskStart was queued, and the publisher sends in queue order.
 * A kill and the instance's own end race only for the lock; whichever comes first decides, and
 * a kill's signal, once recorded, decides the status (128 + signal), as for a process that a
 * signal ended even if it was about to exit by itself.
 *
 * <p>The instance runs on a platform thread, not a virtual one: the interpreter never blocks, so
 * a looping module would hold a carrier thread for good and starve the daemon's virtual threads
 * (its ttrpc connections among them). A kill interrupts the thread (Chicory checks the interrupt
 * at every call and branch, so it ends even a tight loop) and closes the stdio (which ends a
 * host call blocked reading stdin or writing to a full FIFO).
 */
final class WasmContainer {
  private static final Logger LOG = ShimLogging.logger(WasmContainer.class);
  /** Memory of an instance whose spec sets no limit. */
  static final long DEFAULT_MEMORY_LIMIT = 256L << 20;
  /** The runner's stack: the interpreter's own frames live on the heap; host calls need little. */
  private static final long RUNNER_STACK = 1L << 20;
  /** The pid reported for every instance: the daemon's, the process the module runs in. */
  static final int PID = (int) ProcessHandle.current().pid();

  record Exit(int status, Instant at) {}

  final String id;
  final Path bundle;
  final WasmStdio stdio;
  private final WasiCommand command;
  private final List<String> args;
  private final Map<String, String> env;
  private final boolean mounted;
  private final Publisher publisher;
  final CompletableFuture<Exit> exited = new CompletableFuture<>();

  private Status status = Status.CREATED;
  private Thread runner;
  private int killSignal;

  private WasmContainer(String id, Path bundle, WasmStdio stdio, WasiCommand command, List<String> args,
      Map<String, String> env, boolean mounted, Publisher publisher) {
    this.id = id;
    this.bundle = bundle;
    this.stdio = stdio;
    this.command = command;
    this.args = args;
    this.env = env;
    this.mounted = mounted;
    this.publisher = publisher;
  }

  /**
   * Create: mounts the rootfs, reads and checks the module, opens the stdio, publishes
   * /tasks/create. A module that cannot run fails here with INVALID_ARGUMENT, and nothing stays
   * mounted or open.
   */
  static WasmContainer create(CreateTaskRequest req, Publisher publisher) throws IOException {
    Path bundle = Path.of(req.getBundle());
    Path rootfs = bundle.resolve("rootfs");
    boolean mounted = false;
    WasmStdio stdio = null;
    try {
      OciSpec spec = OciSpec.read(bundle);
      ProcessSpec process = ProcessSpec.of(spec);
      if (req.getRootfsCount() > 0) {
        Mounter.mountAll(req.getRootfsList(), rootfs);
        mounted = true;
      }
      byte[] bytes = ModuleFile.read(spec.rootfs(bundle), process.args().getFirst());
      WasiCommand command = WasiCommand.parse(bytes, process.memoryLimit() > 0 ? process.memoryLimit() : DEFAULT_MEMORY_LIMIT);
      stdio = WasmStdio.open(req.getStdin(), req.getStdout(), req.getStderr(), req.getTerminal() || spec.terminal());
      WasmContainer c = new WasmContainer(req.getId(), bundle, stdio, command, process.args(), process.env(), mounted, publisher);
      publisher.publish(TaskTopics.CREATE, TaskCreate.newBuilder()
          .setContainerId(c.id)
          .setBundle(req.getBundle())
          .addAllRootfs(req.getRootfsList())
          .setIo(TaskIO.newBuilder()
              .setStdin(req.getStdin())
              .setStdout(req.getStdout())
              .setStderr(req.getStderr())
              .setTerminal(req.getTerminal()))
          .setPid(PID)
          .build());
      return c;
    } catch (IllegalArgumentException e) {
      undoCreate(stdio, mounted, rootfs);
      throw TtrpcException.invalidArgument("container " + req.getId() + ": " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      undoCreate(stdio, mounted, rootfs);
      throw e;
    }
  }

  private static void undoCreate(WasmStdio stdio, boolean mounted, Path rootfs) {
    if (stdio != null) {
      stdio.close();
    }
    if (mounted) {
      unmount(rootfs);
    }
  }

  /** Start: publishes /tasks/start, then runs the instance on its own thread. */
  synchronized void start() throws IOException {
    if (status != Status.CREATED) {
      throw TtrpcException.failedPrecondition("container " + id + " is " + status + ", not CREATED");
    }
    WasiCommand.Io io = new WasiCommand.Io(args, env, stdio.openStdin(), stdio.stdout(), stdio.stderr());
    status = Status.RUNNING;
    publisher.publish(TaskTopics.START, TaskStart.newBuilder().setContainerId(id).setPid(PID).build());
    runner = Thread.ofPlatform().name("wasm-" + id).stackSize(RUNNER_STACK).unstarted(() -> run(io));
    runner.start();
  }

  private void run(WasiCommand.Io io) {
    int exitStatus;
    try {
      exitStatus = command.run(io);
    } catch (ChicoryInterruptedException e) {
      exitStatus = ExitStatus.KILLED_BY_SIGKILL; // replaced by the kill's own signal below
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, "instance of " + id + " failed", e);
      exitStatus = ExitStatus.TRAP;
    }
    // A kill left this thread's interrupt flag set: cleared, or publishing the exit (a timed
    // offer to the publisher's queue) would fail at once and the TaskExit would be lost.
    Thread.interrupted();
    finish(exitStatus);
  }

  /** The instance ended (or never ran): closes its stdio so readers see EOF, publishes /tasks/exit. */
  private synchronized void finish(int exitStatus) {
    if (status == Status.STOPPED) {
      return;
    }
    int reported = killSignal != 0 ? ExitStatus.killedBy(killSignal) : exitStatus;
    stdio.close();
    status = Status.STOPPED;
    Exit exit = new Exit(reported, Instant.now());
    publisher.publish(TaskTopics.EXIT, TaskExit.newBuilder()
        .setContainerId(id)
        .setId(id)
        .setPid(PID)
        .setExitStatus(reported)
        .setExitedAt(ExitStatus.timestamp(exit.at()))
        .build());
    exited.complete(exit);
    LOG.log(Level.INFO, "container " + id + " exited with status " + reported);
  }

  /**
   * Kill: a signal whose default action ends a process ends the instance; one a process ignores
   * by default is ignored; a stop signal is refused (an instance cannot be stopped and resumed).
   */
  void kill(int signal) {
    Signals.Action action = Signals.defaultAction(signal);
    synchronized (this) {
      if (status == Status.STOPPED) {
        throw TtrpcException.notFound("container " + id + ": process already finished");
      }
      switch (action) {
        case IGNORE -> {
          return;
        }
        case STOP -> throw TtrpcException.failedPrecondition(
            "signal " + signal + " would stop container " + id + "; a wasm instance cannot be stopped");
        case TERMINATE -> {
          if (killSignal == 0) {
            killSignal = signal;
          }
          if (status == Status.CREATED) {
            finish(ExitStatus.killedBy(signal));
            return;
          }
          runner.interrupt();
        }
      }
    }
    // Ends a host call the instance is blocked in (a read of stdin, a write to a full FIFO).
    stdio.close();
  }

  synchronized Status status() {
    return status;
  }

  /** Delete: a running instance must be killed first; the stdio is closed and the rootfs unmounted. */
  Exit delete() {
    synchronized (this) {
      if (status == Status.RUNNING) {
        throw TtrpcException.failedPrecondition("container " + id + " is running: kill it first");
      }
      if (status == Status.CREATED) {
        // Never started: deleted as runc deletes a created container, by killing what waits.
        killSignal = ExitStatus.SIGKILL;
        finish(ExitStatus.KILLED_BY_SIGKILL);
      }
    }
    stdio.close();
    if (mounted) {
      unmount(bundle.resolve("rootfs"));
    }
    return exited.join();
  }

  private static void unmount(Path rootfs) {
    try {
      Mounter.unmountAll(rootfs);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot unmount " + rootfs + ": " + e.getMessage());
    }
  }

  /** What config.json's {@code process} and memory limit say about the instance. */
  record ProcessSpec(List<String> args, Map<String, String> env, long memoryLimit) {
    static ProcessSpec of(OciSpec spec) {
      Map<String, Object> process = object(spec.raw(), "process");
      List<String> args = strings(process, "args");
      if (args.isEmpty() || args.getFirst().isEmpty()) {
        throw new IllegalArgumentException("process.args is empty: no module to run");
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (String entry : strings(process, "env")) {
        int eq = entry.indexOf('=');
        env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
      }
      Object limit = object(object(object(spec.raw(), "linux"), "resources"), "memory").get("limit");
      return new ProcessSpec(List.copyOf(args), env, limit instanceof Number n ? n.longValue() : 0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> parent, String key) {
      return parent.get(key) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<String> strings(Map<String, Object> parent, String key) {
      Object v = parent.get(key);
      if (v == null) {
        return List.of();
      }
      if (!(v instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
        throw new IllegalArgumentException("process." + key + " must be an array of strings");
      }
      return list.stream().map(String.class::cast).toList();
    }
  }
}
