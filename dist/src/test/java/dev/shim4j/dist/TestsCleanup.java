package dev.shim4j.dist;

import dev.shim4j.dist.StartBatch.Start;
import dev.shim4j.testkit.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the start tests undo after each test, whether it passed or not. */
final class TestsCleanup {
  private TestsCleanup() {}

  /**
   * In order: the containerds closed (their tasks, shims, mounts, runc containers and dirs), every
   * process of the test killed (spares and orphaned daemons that no containerd knows), the
   * sockets that failed shims left for the test's containers removed, the test's temp dir removed.
   * A null {@code processes} or {@code tmp}: a set-up that failed before making them.
   */
  static void after(List<PrivateContainerd> containerds, TestsProcesses processes, List<Start> starts, Path tmp)
      throws Exception {
    try {
      for (PrivateContainerd cd : containerds) {
        cd.close();
      }
    } finally {
      if (processes != null) {
        processes.killAll();
      }
      for (Start start : starts) {
        Files.deleteIfExists(start.socket());
      }
      TestFiles.removeTree(tmp);
    }
  }
}
