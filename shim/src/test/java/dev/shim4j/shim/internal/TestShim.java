package dev.shim4j.shim.internal;

import com.google.protobuf.Empty;
import dev.shim4j.api.task.v2.ConnectRequest;
import dev.shim4j.api.task.v2.ConnectResponse;
import dev.shim4j.api.task.v2.DeleteResponse;
import dev.shim4j.api.task.v2.ShutdownRequest;
import dev.shim4j.api.task.v2.TaskTtrpc;
import dev.shim4j.shim.DeleteOpts;
import dev.shim4j.shim.ExitSignal;
import dev.shim4j.shim.Shim;
import dev.shim4j.shim.ShimContext;
import dev.shim4j.ttrpc.CallContext;

/** A shim for the bootstrap's process tests: Connect reports its pid, Shutdown ends it. */
public final class TestShim implements Shim, TaskTtrpc.Service {
  private final ExitSignal exit = new ExitSignal();

  public TestShim(ShimContext context) {}

  public static void main(String[] args) {
    Shim.run("io.containerd.test.v1", args, TestShim::new);
  }

  @Override
  public DeleteResponse deleteShim(DeleteOpts opts) {
    return DeleteResponse.newBuilder().setExitStatus(137).build();
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
    return ConnectResponse.newBuilder().setVersion("test").setShimPid((int) ProcessHandle.current().pid()).build();
  }

  @Override
  public Empty shutdown(CallContext ctx, ShutdownRequest request) {
    exit.signal();
    return Empty.getDefaultInstance();
  }
}
