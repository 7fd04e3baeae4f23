package dev.shim4j.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shim4j.testkit.CtrResult;
import dev.shim4j.testkit.Launchers;
import dev.shim4j.testkit.PrivateContainerd;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guide's shim under a real containerd: {@code ctr run} gets the container's output and exit
 * code through it (Create, Start, Wait, the events, Delete), and a killed container reports the
 * signal. The guide quotes the first test.
 */
class ChrootShimTest {
  @TempDir Path dir;

  @Test
  void runsAContainerAndReportsItsExit() throws Exception {
    Path shim = Launchers.write(dir, "containerd-shim-chroot-v1", ChrootShim.class.getName(), List.of());
    try (PrivateContainerd containerd = PrivateContainerd.start()) {
      String image = containerd.busyboxImage();

      CtrResult hello = containerd.ctrOk("run", "--rm", "--runtime", shim.toString(), image, "hello",
          "/bin/echo", "hello from a chroot");
      assertThat(hello.stdout()).contains("hello from a chroot");

      CtrResult failed = containerd.ctr("run", "--rm", "--runtime", shim.toString(), image, "failed",
          "/bin/sh", "-c", "exit 3");
      assertThat(failed.exitCode()).isEqualTo(3);
    }
  }

  @Test
  void killEndsTheProcessAndDeleteCleansUp() throws Exception {
    Path shim = Launchers.write(dir, "containerd-shim-chroot-v1", ChrootShim.class.getName(), List.of());
    try (PrivateContainerd containerd = PrivateContainerd.start()) {
      String image = containerd.busyboxImage();
      containerd.ctrOk("run", "-d", "--runtime", shim.toString(), image, "sleeper", "/bin/sleep", "600");
      assertThat(containerd.ctrOk("task", "ls").stdout()).containsPattern("sleeper\\s+\\d+\\s+RUNNING");

      containerd.ctrOk("task", "kill", "--signal", "SIGKILL", "sleeper");
      // The exit reaches containerd as an event: poll, with a bound generous for a loaded machine.
      Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
      while (!containerd.ctrOk("task", "ls").stdout().matches("(?s).*sleeper\\s+\\d+\\s+STOPPED.*")
          && Instant.now().isBefore(deadline)) {
        Thread.sleep(200);
      }
      assertThat(containerd.ctrOk("task", "ls").stdout()).containsPattern("sleeper\\s+\\d+\\s+STOPPED");

      containerd.ctrOk("task", "delete", "sleeper");
      containerd.ctrOk("container", "delete", "sleeper");
      assertThat(containerd.ctrOk("task", "ls").stdout()).doesNotContain("sleeper");
    }
  }
}
