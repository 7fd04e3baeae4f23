package ${package};

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.PackagedShim;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.testkit.Procs;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packaged shim (target/shim4j/bin/containerd-shim-${shimName}-v1, as shim4j-maven-plugin
 * built it) under a real, private containerd: containerd starts it through the launcher, connects,
 * gets the shim's answer to Create, shuts it down and runs its {@code delete}; nothing is left.
 */
class MyShimIT {
    private static final String COMMAND = "containerd-shim-${shimName}-v1";

    @Test
    void containerdRunsThePackagedShimAndCleansUp() throws Exception {
        Path launcher = PackagedShim.launcher(COMMAND);
        try (PrivateContainerd containerd = PrivateContainerd.start()) {
            String id = "${shimName}-it-" + ProcessHandle.current().pid();
            CtrResult run = containerd.ctr("run", "--runtime", launcher.toString(), containerd.busyboxImage(), id, "true");

            assertThat(run.exitCode()).as("%s", run).isNotZero();
            assertThat(run.stderr()).as("the shim's own answer to Create").contains("runs no containers yet");
            assertThat(shimsOf(id, 30_000)).as("shim processes of %s after containerd's cleanup", id).isEmpty();
        }
    }

    /** The live processes serving {@code id}, once none is left or {@code waitMillis} passed. */
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
