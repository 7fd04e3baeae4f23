package ${package};

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
import dev.shim4j.ttrpc.CallContext;
import dev.shim4j.ttrpc.TtrpcException;
import java.time.Instant;

/**
 * The shim: runtime {@code io.containerd.${shimName}.v1}, command {@code containerd-shim-${shimName}-v1}.
 * containerd starts it, connects and stops it; it runs no containers yet: Create is refused, and
 * containerd then shuts it down and cleans up. Add the task service's other calls (Create, Start,
 * Wait, Kill, Delete, State, ...) from {@link TaskTtrpc.Service} to make it run something.
 */
public final class MyShim implements Shim, TaskTtrpc.Service {
    /** The runtime name containerd knows the shim by. */
    public static final String RUNTIME = "io.containerd.${shimName}.v1";

    private final ExitSignal exit = new ExitSignal();

    public MyShim(ShimContext context) {}

    public static void main(String[] args) {
        Shim.run(RUNTIME, args, MyShim::new);
    }

    @Override
    public TaskTtrpc.Service taskService() {
        return this;
    }

    @Override
    public void waitForExit() throws InterruptedException {
        exit.await();
    }

    /** containerd's {@code delete} after the shim is gone: nothing ran, nothing to clean up. */
    @Override
    public DeleteResponse deleteShim(DeleteOpts opts) {
        Instant now = Instant.now();
        return DeleteResponse.newBuilder()
                .setExitedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .build();
    }

    @Override
    public ConnectResponse connect(CallContext ctx, ConnectRequest request) {
        return ConnectResponse.newBuilder()
                .setVersion("${artifactId} ${version}")
                .setShimPid((int) ProcessHandle.current().pid())
                .build();
    }

    @Override
    public Empty shutdown(CallContext ctx, ShutdownRequest request) {
        exit.signal();
        return Empty.getDefaultInstance();
    }

    @Override
    public CreateTaskResponse create(CallContext ctx, CreateTaskRequest request) {
        throw TtrpcException.unimplemented("containerd-shim-${shimName}-v1 runs no containers yet (container "
                + request.getId() + ")");
    }

    /** NOT_FOUND tells containerd there is no task to delete, so it shuts the shim down at once. */
    @Override
    public DeleteResponse delete(CallContext ctx, DeleteRequest request) {
        throw TtrpcException.notFound("no task " + request.getId());
    }
}
