package dev.shim4j.shim;

import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.types.RuntimeInfo;
import java.util.List;

/**
 * A containerd runtime v2 shim, the way Go's {@code shim.Run} and the Rust crate
 * {@code containerd-shim} shape one. containerd runs the shim binary three ways and
 * {@link #run} turns each into one call:
 *
 * <ul>
 *   <li>{@code start}: {@link #startShim} finds or spawns the long-lived daemon and returns its
 *       socket address, which {@code run} prints for containerd;
 *   <li>{@code delete}: {@link #deleteShim} cleans up after a container whose daemon is gone
 *       (or not responsible any more) and {@code run} prints the response;
 *   <li>no action (the daemon): {@code run} serves {@link #taskService()} on the socket it was
 *       handed, under {@code containerd.task.v2.Task} and {@code containerd.task.v3.Task}, until
 *       {@link #waitForExit()} returns.
 * </ul>
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   Shim.run("io.containerd.skeleton.v1", args, SkeletonShim::new);
 * }
 * }</pre>
 */
public interface Shim {

  /** Creates a shim for one invocation; typically a constructor reference. */
  @FunctionalInterface
  interface Factory {
    Shim create(ShimContext context) throws Exception;
  }

  /**
   * Starts the daemon (or finds the one already serving this container's group) and returns its
   * address, {@code unix:///run/containerd/s/<hex>}. The default spawns this same program as the
   * daemon, grouped by container id; a shim that groups containers (a pod per shim) calls
   * {@link Daemon#spawn(StartOpts, String)} with its own group key.
   *
   * <p>Under the distribution's launchers a live daemon may run this for another container's
   * start (see {@code WarmStarts}): then {@code Daemon.spawn} finds the group's daemon or spawns
   * one as Go's shim does, never in-process. So an override should find or start daemons only
   * through {@code Daemon.spawn}, and keep no state of its own.
   */
  default String startShim(StartOpts opts) throws Exception {
    return Daemon.spawn(opts);
  }

  /**
   * Cleans up after a container: containerd calls this when the daemon died or after a failed
   * start. Must be idempotent. The response's exit status and time become the task's exit.
   */
  DeleteResponse deleteShim(DeleteOpts opts) throws Exception;

  /** Blocks in the daemon until the shim should exit, e.g. {@code exitSignal.await()}. */
  void waitForExit() throws InterruptedException;

  /**
   * Answers containerd 2.x's {@code -info}: what this runtime is and can do. The default gives
   * {@link InfoOpts#basicInfo()}: the runtime's name and shim4j's version; a shim that wraps an
   * OCI runtime adds that runtime's features, as runc4j does.
   */
  default RuntimeInfo info(InfoOpts opts) throws Exception {
    return opts.basicInfo().build();
  }

  /** The task service the daemon serves; called once, in the daemon. */
  TaskTtrpc.Service taskService();

  /**
   * Runs the shim binary: parses containerd's flags and environment, performs the action and
   * exits the JVM with the action's status. Never returns.
   *
   * @param runtimeId the runtime name containerd knows the shim by, e.g.
   *     {@code io.containerd.skeleton.v1}
   * @param args the arguments of {@code main}
   * @param factory creates the shim, e.g. {@code SkeletonShim::new}
   */
  static void run(String runtimeId, String[] args, Factory factory) {
    int status = Bootstrap.standard(runtimeId, factory).run(List.of(args));
    System.exit(status);
  }
}
