/**
 * Write a containerd runtime v2 shim in Java: implement {@link dev.shim4j.shim.Shim} (and the
 * generated {@code TaskTtrpc.Service}), then call {@link dev.shim4j.shim.Shim#run} from
 * {@code main}.
 *
 * <pre>{@code
 * public final class MyShim implements Shim, TaskTtrpc.Service {
 *   private final ExitSignal exit = new ExitSignal();
 *
 *   public MyShim(ShimContext context) {}
 *
 *   public static void main(String[] args) {
 *     Shim.run("io.containerd.my.v1", args, MyShim::new);
 *   }
 *
 *   public DeleteResponse deleteShim(DeleteOpts opts) { ... }
 *   public void waitForExit() throws InterruptedException { exit.await(); }
 *   public TaskTtrpc.Service taskService() { return this; }
 *   public Empty shutdown(CallContext ctx, ShutdownRequest r) { exit.signal(); return Empty.getDefaultInstance(); }
 * }
 * }</pre>
 *
 * <p>This package is the whole API of the bootstrap: {@link dev.shim4j.shim.Shim} and what its
 * methods are called with ({@link dev.shim4j.shim.ShimContext}, {@link dev.shim4j.shim.Flags},
 * {@link dev.shim4j.shim.Config}, {@link dev.shim4j.shim.StartOpts},
 * {@link dev.shim4j.shim.DeleteOpts}, {@link dev.shim4j.shim.InfoOpts}), the daemon's exit
 * ({@link dev.shim4j.shim.ExitSignal}) and the pod grouping of {@code start}
 * ({@link dev.shim4j.shim.Grouping}, {@link dev.shim4j.shim.Shim#spawnDaemon}). {@code run} does
 * the protocol: the {@code start} action (a daemon found or spawned with its listening socket
 * handed over, the answer in the dialect containerd reads), the {@code delete} action (exactly a
 * DeleteResponse on stdout) and the daemon (subreaper, reaper, signals, the ttrpc server on task
 * v2 and v3, logs to the bundle's {@code log}, graceful exit). Subpackages hold the helpers a
 * task service uses: {@code reaper}, {@code event}, {@code log}, {@code bundle}, {@code cgroup},
 * {@code mount}. The machinery behind {@code run} is in {@code dev.shim4j.shim.internal}, which
 * is not API.
 */
package dev.shim4j.shim;
