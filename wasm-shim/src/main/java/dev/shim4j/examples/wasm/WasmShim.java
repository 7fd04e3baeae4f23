package dev.shim4j.examples.wasm;

import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.shim.DeleteOpts;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.Shim;
import dev.shim4j.shim.ShimContext;
import dev.shim4j.shim.StartOpts;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.mount.Mounter;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * containerd-shim-wasm-v1 (runtime {@code io.containerd.wasm.v1}): runs an OCI image whose
 * entrypoint is a WebAssembly module as a WASI command on Chicory, inside the shim's JVM. No
 * process, no runc: a container is an instance of the module on a thread of the daemon.
 *
 * <p>{@code start} finds or spawns the daemon of the container's group ({@link WasmGrouping}: by
 * default one daemon per containerd namespace); {@code delete} cleans up after a daemon that is
 * gone; the daemon serves {@link WasmTaskService}.
 */
public final class WasmShim implements Shim {
  private static final Logger LOG = ShimLogging.logger(WasmShim.class);
  public static final String RUNTIME_ID = "io.containerd.wasm.v1";

  private final ShimContext context;
  private final ExitSignal exitSignal = new ExitSignal();

  public WasmShim(ShimContext context) {
    this.context = context;
  }

  public static void main(String[] args) {
    Shim.run(RUNTIME_ID, args, WasmShim::new);
  }

  @Override
  public String startShim(StartOpts opts) throws Exception {
    return Shim.spawnDaemon(opts, WasmGrouping.groupKey(opts.bundle()));
  }

  /**
   * The daemon is gone (or never came up), and its instances with it: unmount the rootfs and
   * report the container killed (137), as containerd's runc shim does.
   */
  @Override
  public DeleteResponse deleteShim(DeleteOpts opts) {
    Path rootfs = opts.bundle().resolve("rootfs");
    try {
      Mounter.unmountAll(rootfs);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "unmount of " + rootfs + " failed: " + e.getMessage());
    }
    return DeleteResponse.newBuilder()
        .setExitStatus(ExitStatus.KILLED_BY_SIGKILL)
        .setExitedAt(ExitStatus.timestamp(java.time.Instant.now()))
        .build();
  }

  @Override
  public void waitForExit() throws InterruptedException {
    exitSignal.await();
  }

  @Override
  public TaskTtrpc.Service taskService() {
    return new WasmTaskService(context.namespace(), context.publisher(), exitSignal);
  }
}
