package dev.shim4j.examples.guide;

import com.google.protobuf.Timestamp;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.shim.DeleteOpts;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.Grouping;
import dev.shim4j.shim.Shim;
import dev.shim4j.shim.ShimContext;
import dev.shim4j.shim.StartOpts;
import dev.shim4j.shim.mount.Mounter;
import java.lang.System.Logger.Level;
import java.time.Instant;

/**
 * The shim of {@code docs/guide.md}: it runs a container's process in the container's root
 * filesystem with {@code chroot}, and nothing more (no namespaces, no cgroup of its own, no
 * exec). It shows every part a shim has, in the fewest lines; runc4j
 * ({@code dev.shim4j.runcshim}) is the complete one.
 *
 * <p>Runtime {@code io.containerd.chroot.v1}, binary {@code containerd-shim-chroot-v1}.
 */
public final class ChrootShim implements Shim {
  static final String RUNTIME_ID = "io.containerd.chroot.v1";

  private final ShimContext context;
  private final ExitSignal exit = new ExitSignal();

  /**
   * Creates the shim for one run of the binary: {@code start}, {@code delete} or the daemon.
   *
   * @param context the runtime name, container id, namespace, flags, publisher and config
   */
  public ChrootShim(ShimContext context) {
    this.context = context;
    // Config is read after the constructor: here, log at DEBUG unless told otherwise.
    context.config().defaultLogLevel(Level.DEBUG);
  }

  /**
   * Runs the binary as containerd starts it.
   *
   * @param args containerd's flags and the action
   */
  public static void main(String[] args) {
    Shim.run(RUNTIME_ID, args, ChrootShim::new);
  }

  /** One daemon per pod: containers of the same CRI sandbox (or group annotation) share it. */
  @Override
  public String startShim(StartOpts opts) throws Exception {
    return Shim.spawnDaemon(opts, Grouping.of(opts));
  }

  /** The daemon is gone: undo what Create did, and report the task killed. */
  @Override
  public DeleteResponse deleteShim(DeleteOpts opts) throws Exception {
    Mounter.unmountAll(opts.bundle().resolve("rootfs"));
    return DeleteResponse.newBuilder().setExitStatus(137).setExitedAt(timestamp(Instant.now())).build();
  }

  @Override
  public void waitForExit() throws InterruptedException {
    exit.await();
  }

  @Override
  public TaskTtrpc.Service taskService() {
    return new ChrootTaskService(context.publisher(), exit);
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
