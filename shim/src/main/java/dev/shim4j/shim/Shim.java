package dev.shim4j.shim;

import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.types.RuntimeInfo;
import dev.shim4j.shim.internal.Bootstrap;
import dev.shim4j.shim.internal.Daemon;
import java.io.IOException;
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
    /**
     * Creates the shim.
     *
     * @param context what the shim is created with; its {@code config} may be changed here
     * @return the shim
     * @throws Exception when the shim cannot be created; the action fails
     */
    Shim create(ShimContext context) throws Exception;
  }

  /**
   * Starts the daemon (or finds the one already serving this container's group) and returns its
   * address, {@code unix:///run/containerd/s/<hex>}. The default spawns this same program as the
   * daemon, grouped by container id; a shim that groups containers (a pod per shim) calls
   * {@link #spawnDaemon(StartOpts, String)} with its own group key.
   *
   * <p>Under the distribution's launchers a live daemon may run this for another container's
   * start: then {@code spawnDaemon} finds the group's daemon or spawns one as Go's shim does,
   * never in-process. So an override should find or start daemons only through
   * {@code spawnDaemon}, and keep no state of its own.
   *
   * @param opts the container being started and containerd's addresses
   * @return the daemon's socket address, which {@code start} prints for containerd
   * @throws Exception when no daemon could be found or started; {@code start} then fails
   */
  default String startShim(StartOpts opts) throws Exception {
    return spawnDaemon(opts, opts.id());
  }

  /**
   * Cleans up after a container: containerd calls this when the daemon died or after a failed
   * start. Must be idempotent. The response's exit status and time become the task's exit.
   *
   * @param opts the container to clean up after
   * @return the task's exit, as containerd records it
   * @throws Exception when the cleanup failed; {@code delete} then fails
   */
  DeleteResponse deleteShim(DeleteOpts opts) throws Exception;

  /**
   * Blocks in the daemon until the shim should exit, e.g. {@code exitSignal.await()}.
   *
   * @throws InterruptedException when the daemon's main thread is interrupted
   */
  void waitForExit() throws InterruptedException;

  /**
   * Answers containerd 2.x's {@code -info}: what this runtime is and can do. The default gives
   * {@link InfoOpts#basicInfo()}: the runtime's name and shim4j's version; a shim that wraps an
   * OCI runtime adds that runtime's features, as runc4j does.
   *
   * @param opts the runtime name and the options containerd passed
   * @return what containerd prints for {@code ctr plugins inspect-runtime}
   * @throws Exception when the runtime cannot say; {@code -info} then fails
   */
  default RuntimeInfo info(InfoOpts opts) throws Exception {
    return opts.basicInfo().build();
  }

  /**
   * The task service the daemon serves; called once, in the daemon.
   *
   * @return the service, served as task API v2 and v3
   */
  TaskTtrpc.Service taskService();

  /**
   * Finds the daemon serving {@code group}, or starts one: the daemon is this same program
   * without the {@code start} action, in its own session, serving on a socket whose address is a
   * hash of containerd's address, the namespace and the group. The socket is bound before the
   * daemon runs, so containerd's first connect waits in its backlog and never fails. A socket
   * nobody answers on is stale (its daemon died) and is replaced. The equivalent of Go's
   * {@code shim.NewSocket} + spawn, and of the Rust crate's {@code spawn}.
   *
   * @param opts what {@link #startShim} was called with
   * @param group the group key: containers with equal keys share one daemon (the container id
   *     for a daemon per container; {@link Grouping#of(StartOpts)} for a daemon per pod)
   * @return the daemon's socket address, {@code unix:///run/containerd/s/<hex>}
   * @throws IOException when the socket cannot be bound or the daemon cannot be spawned
   */
  static String spawnDaemon(StartOpts opts, String group) throws IOException {
    return Daemon.spawn(opts, group);
  }

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
    int status = Bootstrap.runMain(runtimeId, List.of(args), factory);
    System.exit(status);
  }
}
