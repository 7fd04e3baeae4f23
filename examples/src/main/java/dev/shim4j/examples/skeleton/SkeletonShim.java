package dev.shim4j.examples.skeleton;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.CreateTaskRequest;
import dev.shim4j.api.task.v2.CreateTaskResponse;
import dev.shim4j.api.task.v2.DeleteRequest;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.shim.DeleteOpts;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.Shim;
import dev.shim4j.shim.ShimContext;
import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.TtrpcException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.time.Instant;

/**
 * The smallest shim: it answers Connect and Shutdown and nothing else, like the seed's Rust
 * skeleton. containerd can start it, talk to it and stop it; Create fails with UNIMPLEMENTED, and
 * containerd then cleans up (Shutdown, {@code delete}) so that nothing is left behind.
 *
 * <p>Run as runtime {@code io.containerd.skeleton.v1} (binary {@code containerd-shim-skeleton-v1}).
 */
public final class SkeletonShim implements Shim, TaskTtrpc.Service {
  private static final Logger LOG = ShimLogging.logger(SkeletonShim.class);

  private final ExitSignal exit = new ExitSignal();

  public SkeletonShim(ShimContext context) {}

  public static void main(String[] args) {
    Shim.run("io.containerd.skeleton.v1", args, SkeletonShim::new);
  }

  @Override
  public DeleteResponse deleteShim(DeleteOpts opts) {
    // Nothing ran, so there is nothing to clean up; report "ended now".
    return DeleteResponse.newBuilder().setExitedAt(now()).build();
  }

  @Override
  public void waitForExit() throws InterruptedException {
    exit.await();
  }

  @Override
  public TaskTtrpc.Service taskService() {
    return this;
  }

  @Override
  public ConnectResponse connect(CallContext ctx, ConnectRequest request) {
    LOG.log(Level.INFO, "Connect request");
    return ConnectResponse.newBuilder()
        .setVersion("example")
        .setShimPid((int) ProcessHandle.current().pid())
        .build();
  }

  @Override
  public Empty shutdown(CallContext ctx, ShutdownRequest request) {
    LOG.log(Level.INFO, "Shutdown request");
    exit.signal();
    return Empty.getDefaultInstance();
  }

  @Override
  public CreateTaskResponse create(CallContext ctx, CreateTaskRequest request) {
    throw TtrpcException.unimplemented(
        "the skeleton shim runs no containers: Create is not implemented (container " + request.getId() + ")");
  }

  /**
   * NOT_FOUND, not UNIMPLEMENTED: no task ever exists here, and NOT_FOUND is what tells containerd
   * that there is nothing left to delete, so that after a failed Create it shuts the shim down and
   * removes the bundle itself at once.
   */
  @Override
  public DeleteResponse delete(CallContext ctx, DeleteRequest request) {
    throw TtrpcException.notFound("no task " + request.getId() + ": the skeleton shim runs no containers");
  }

  private static Timestamp now() {
    Instant now = Instant.now();
    return Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
  }
}
