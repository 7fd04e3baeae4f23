package ${package};

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.testkit.Procs;
import java.nio.file.Path;
import java.util.List;

/**
 * What the tests check of a launcher of the shim under a real, private containerd (root, the
 * machine's containerd and runc): {@code ctr run --runtime LAUNCHER} makes containerd start the
 * shim through the launcher, connect, get the shim's own answer to Create, shut it down and run
 * its {@code delete}; no shim process is left.
 */
final class ShimUnderContainerd {
    private ShimUnderContainerd() {}

    static void createIsRefusedAndNothingIsLeft(Path launcher, String id) throws InterruptedException {
        try (PrivateContainerd containerd = PrivateContainerd.start()) {
            CtrResult run = containerd.ctr("run", "--runtime", launcher.toString(), containerd.busyboxImage(), id, "true");

            assertThat(run.exitCode()).as("%s", run).isNotZero();
            assertThat(run.stderr()).as("the shim's own answer to Create").contains("runs no containers yet");
            assertThat(shimsOf(id, 30_000)).as("shim processes of %s after containerd's cleanup", id).isEmpty();
        }
    }

    /** The live processes with {@code id} among their arguments, once none is left or {@code waitMillis} passed. */
    private static List<ProcessHandle> shimsOf(String id, long waitMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + waitMillis;
        List<ProcessHandle> left = Procs.runningWithArgument(id);
        while (!left.isEmpty() && System.currentTimeMillis() < end) {
            Thread.sleep(100);
            left = Procs.runningWithArgument(id);
        }
        return left;
    }
}
