package dev.shim4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.examples.skeleton.SkeletonShim;
import dev.shim4j.shim.internal.ShimAddress;
import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.Launchers;
import dev.shim4j.testkit.OnEveryContainerd;
import dev.shim4j.testkit.PrivateContainerd;
import dev.shim4j.testkit.StartAnswers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The skeleton under a real containerd (each supported release, see {@link OnEveryContainerd}): {@code ctr run --runtime /abs/launcher} reaches it,
 * Create fails with the skeleton's UNIMPLEMENTED message, and containerd's cleanup (Shutdown,
 * {@code delete}) leaves nothing behind: no shim process, no socket, no bundle.
 */
@OnEveryContainerd
class SkeletonContainerdTest {
  @TempDir Path launchers;

  @Test
  void createIsRefusedCleanlyAndNothingIsLeftBehind() throws Exception {
    // The distribution's launchers pass the same flag: no Unsafe warning to keep off stderr.
    Path launcher = Launchers.write(launchers, "containerd-shim-skeleton-v1", SkeletonShim.class.getName(),
        List.of("--sun-misc-unsafe-memory-access=allow"));
    try (PrivateContainerd containerd = PrivateContainerd.start()) {
      String id = "skeleton-e2e";
      String image = containerd.busyboxImage();
      CtrResult run = containerd.ctr("run", "--runtime", launcher.toString(), image, id, "true");

      assertThat(run.exitCode()).as("ctr run must fail").isNotZero();
      assertThat(run.stderr())
          .contains("Create is not implemented")
          .containsIgnoringCase("not implemented");
      StartAnswers.assertAsTheReleaseAsks(containerd);

      Path socket = ShimAddress.pathOf(ShimAddress.of(containerd.address().toString(), containerd.namespace(), id));
      Path bundle = containerd.state().resolve("io.containerd.runtime.v2.task")
          .resolve(containerd.namespace()).resolve(id);
      boolean clean = JavaProcesses.eventually(Duration.ofSeconds(20),
          () -> JavaProcesses.find(SkeletonShim.class.getName(), id).isEmpty()
              && !Files.exists(socket) && !Files.exists(bundle));
      assertThat(JavaProcesses.find(SkeletonShim.class.getName(), id)).as("no shim process left").isEmpty();
      assertThat(Files.exists(socket)).as("no socket left at " + socket).isFalse();
      assertThat(Files.exists(bundle)).as("no bundle left at " + bundle).isFalse();
      assertThat(clean).isTrue();
    }
  }
}
