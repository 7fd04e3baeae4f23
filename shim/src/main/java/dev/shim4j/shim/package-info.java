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
 * <p>The bootstrap does the protocol: Go-style flags ({@link dev.shim4j.shim.Flags}), the
 * {@code start} action (socket address from {@link dev.shim4j.shim.ShimAddress}, reuse of a live
 * daemon, the daemon spawned by {@link dev.shim4j.shim.Daemon} with the listening socket handed
 * over, the answer in the dialect containerd reads), the {@code delete} action (exactly a
 * DeleteResponse on stdout) and the daemon (subreaper, reaper, signals, the ttrpc server on task
 * v2 and v3, logs to the bundle's {@code log}, graceful exit). Subpackages hold the helpers:
 * {@code reaper}, {@code event}, {@code log}, {@code bundle}, {@code cgroup}, {@code mount}.
 */
package dev.shim4j.shim;
