package dev.shim4j.runcshim;

import com.google.protobuf.Timestamp;
import dev.shim4j.api.types.task.Status;
import dev.shim4j.shim.reaper.Exit;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One process of a container: its init (exec id "") or an exec. Holds the state the Task API
 * reports and three milestones that order the events: start published, exited (output drained),
 * exit published.
 */
final class ContainerProcess {
  final String containerId;
  /** "" for the init process. */
  final String execId;
  /** The OCI Process JSON of an exec; null for init. */
  final byte[] spec;
  final ProcessStdio stdio;

  /** True once Start was called: its start event must precede the exit event. */
  volatile boolean startRequested;
  private volatile int pid;
  private volatile Status status = Status.CREATED;
  private volatile int exitStatus;
  private volatile Instant exitedAt;

  /** Completes when TaskStart/TaskExecStarted went out, or the start failed: exits wait for it. */
  final CompletableFuture<Void> startPublished = new CompletableFuture<>();
  /** Completes with the exit once the output is drained: Wait answers from it. */
  final CompletableFuture<Exit> exited = new CompletableFuture<>();
  /** Completes after TaskExit went out: init's exit waits for every exec's. */
  final CompletableFuture<Void> exitPublished = new CompletableFuture<>();

  ContainerProcess(String containerId, String execId, byte[] spec, ProcessStdio stdio) {
    this.containerId = containerId;
    this.execId = execId;
    this.spec = spec;
    this.stdio = stdio;
  }

  boolean isInit() {
    return execId.isEmpty();
  }

  /** The id containerd reports for this process: the container id for init. */
  String processId() {
    return isInit() ? containerId : execId;
  }

  String describe() {
    return isInit() ? "container " + containerId : "exec " + execId + " of container " + containerId;
  }

  int pid() {
    return pid;
  }

  void pid(int p) {
    this.pid = p;
  }

  Status status() {
    return status;
  }

  /**
   * Moves a live process to {@code s}; a stopped one stays stopped. Under the lock of
   * {@link #markExited}: a Start whose process exits at once runs this concurrently with the exit
   * handler, and an unguarded check-then-set could put RUNNING over STOPPED after the exit was
   * published (containerd's Delete then found the dead container "running": seen twice in ~250
   * `ctr run --rm ... /bin/true` in a row).
   */
  synchronized void status(Status s) {
    if (this.status != Status.STOPPED) {
      this.status = s;
    }
  }

  boolean hasExited() {
    return status == Status.STOPPED;
  }

  /** Records the exit; later calls are ignored (the first status is the true one). */
  synchronized boolean markExited(int code, Instant at) {
    if (status == Status.STOPPED && exitedAt != null) {
      return false;
    }
    this.exitStatus = code;
    this.exitedAt = at;
    this.status = Status.STOPPED;
    return true;
  }

  int exitStatus() {
    return exitStatus;
  }

  Instant exitedAt() {
    return exitedAt;
  }

  Timestamp exitedAtProto() {
    return timestamp(exitedAt);
  }

  static Timestamp timestamp(Instant t) {
    if (t == null) {
      return Timestamp.getDefaultInstance();
    }
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
