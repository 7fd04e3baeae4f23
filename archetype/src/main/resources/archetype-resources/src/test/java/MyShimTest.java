package ${package};

import dev.shim4j.testkit.Launchers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shim from the test class path, before anything is packaged: the testkit writes a launcher
 * that starts it as the packaged one does (through shim4j-start), for quick runs while writing
 * the shim.
 */
class MyShimTest {
    @TempDir Path dir;

    @Test
    void containerdRunsTheShim() throws Exception {
        Path launcher = Launchers.write(dir, "containerd-shim-${shimName}-v1", MyShim.class.getName(),
                List.of("--sun-misc-unsafe-memory-access=allow"));
        ShimUnderContainerd.createIsRefusedAndNothingIsLeft(launcher, "${shimName}-test-" + ProcessHandle.current().pid());
    }
}
