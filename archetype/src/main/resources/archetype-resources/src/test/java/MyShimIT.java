package ${package};

import dev.shim4j.testkit.PackagedShim;
import org.junit.jupiter.api.Test;

/**
 * The shim as it ships: target/shim4j/bin/containerd-shim-${shimName}-v1, the launcher
 * shim4j-maven-plugin built in the package phase (tuned JVM line, shim4j-start, AOT cache), run
 * by failsafe in integration-test.
 */
class MyShimIT {
    @Test
    void containerdRunsThePackagedShim() throws Exception {
        ShimUnderContainerd.createIsRefusedAndNothingIsLeft(PackagedShim.launcher("containerd-shim-${shimName}-v1"),
                "${shimName}-it-" + ProcessHandle.current().pid());
    }
}
