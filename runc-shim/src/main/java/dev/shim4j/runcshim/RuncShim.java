package dev.shim4j.runcshim;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.api.types.RuntimeInfo;
import dev.shim4j.runc.Runc;
import dev.shim4j.runc.RuncException;
import dev.shim4j.shim.DeleteOpts;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.InfoOpts;
import dev.shim4j.shim.Shim;
import dev.shim4j.shim.ShimContext;
import dev.shim4j.shim.StartOpts;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.shim.mount.Mounter;
import dev.shim4j.shim.reaper.Reaper;
import dev.shim4j.sys.Signals;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * containerd-shim-runc4j-v2: the runc shim. {@code start} finds or spawns the daemon of the
 * container's group; {@code delete} cleans up after a daemon that is gone; the daemon serves
 * {@link TaskService}.
 */
public final class RuncShim implements Shim {
  private static final Logger LOG = ShimLogging.logger(RuncShim.class);
  public static final String RUNTIME_ID = "io.containerd.runc4j.v2";
  /** The type of an OCI runtime's features document in {@link RuntimeInfo#getFeatures()}. */
  static final String FEATURES_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/features/Features";

  private final ShimContext context;
  private final ExitSignal exitSignal = new ExitSignal();

  public RuncShim(ShimContext context) {
    this.context = context;
  }

  @Override
  public String startShim(StartOpts opts) throws Exception {
    String group = Grouping.groupKey(opts.id(), opts.bundle(), System.getenv());
    return Shim.spawnDaemon(opts, group);
  }

  /**
   * {@code -info} (containerd 2.x): runc4j's name and version, and the features document of the
   * runc it would run ({@code runc features}, the binary named by the options if any), as Go's
   * runc shim answers. A runc that cannot say fails {@code -info}: containerd reports that.
   */
  @Override
  public RuntimeInfo info(InfoOpts opts) throws Exception {
    RuncConfig config = RuncConfig.fromAny(opts.options().orElse(null));
    Runc runc = Runc.builder().binary(config.binary()).timeout(Duration.ofSeconds(10)).build();
    return opts.basicInfo()
        .setFeatures(Any.newBuilder().setTypeUrl(FEATURES_TYPE).setValue(ByteString.copyFrom(runc.features())))
        .build();
  }

  /**
   * The daemon is gone (or never came up): force-delete the container in runc, unmount its
   * rootfs and report it killed (137), as containerd-shim-runc-v2 does.
   */
  @Override
  public DeleteResponse deleteShim(DeleteOpts opts) throws Exception {
    Path bundle = opts.bundle();
    if (Files.exists(bundle.resolve(Container.DELETED_MARKER))) {
      // The daemon's Delete already cleaned up: nothing to do, and no exit to report.
      return DeleteResponse.getDefaultInstance();
    }
    RuncConfig config = RuncConfig.read(bundle);
    Runc runc = config.runc(opts.namespace(), bundle);
    // containerd gives delete 5 s: spawn runc only when runc still knows the container.
    if (Files.exists(config.root(opts.namespace()).resolve(opts.id()))) {
      try {
        runc.delete(opts.id(), true);
      } catch (RuncException e) {
        if (!e.isNotFound()) {
          LOG.log(Level.WARNING, "runc delete --force " + opts.id() + ": " + e.getMessage());
        }
      }
    }
    try {
      Mounter.unmountAll(bundle.resolve("rootfs"));
    } catch (IOException e) {
      LOG.log(Level.WARNING, "unmount of " + bundle.resolve("rootfs") + " failed: " + e.getMessage());
    }
    int pid = 0;
    try {
      pid = Integer.parseInt(Files.readString(bundle.resolve("init.pid")).strip());
    } catch (IOException | NumberFormatException e) {
      // never created, or already cleaned
    }
    return DeleteResponse.newBuilder()
        .setPid(pid)
        .setExitStatus(128 + Signals.SIGKILL)
        .setExitedAt(ContainerProcess.timestamp(Instant.now()))
        .build();
  }

  @Override
  public void waitForExit() throws InterruptedException {
    exitSignal.await();
  }

  @Override
  public TaskTtrpc.Service taskService() {
    Warmup.start();
    // Subscribe before any runc runs: every exit from here on reaches the router.
    ExitRouter exits = new ExitRouter(Reaper.get().subscribe());
    return new TaskService(context.namespace(), context.publisher(), exitSignal, exits);
  }
}
