package dev.shim4j.shim;

import dev.shim4j.shim.log.ShimLogging;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The daemon's oom_score_adj is one more than containerd's, so that under memory pressure the
 * kernel kills a shim before containerd. Run in {@code start}, whose score is containerd's
 * (inherited), on the freshly spawned daemon. Best effort: an unprivileged containerd may not
 * lower or raise scores, and that must not fail a start.
 */
final class OomScore {
  private static final int MAX = 1000;

  private OomScore() {}

  static void adjustChild(int pid) {
    try {
      int own = read(Path.of("/proc/self/oom_score_adj"));
      int wanted = Math.min(own + 1, MAX);
      Files.writeString(Path.of("/proc/" + pid + "/oom_score_adj"), Integer.toString(wanted));
    } catch (IOException | RuntimeException e) {
      ShimLogging.logger(OomScore.class)
          .log(System.Logger.Level.DEBUG, "cannot adjust oom_score_adj of " + pid, e);
    }
  }

  /** The same for the in-process daemon: this process, whose score is still containerd's. */
  static void adjustSelf() {
    try {
      Path self = Path.of("/proc/self/oom_score_adj");
      Files.writeString(self, Integer.toString(Math.min(read(self) + 1, MAX)));
    } catch (IOException | RuntimeException e) {
      ShimLogging.logger(OomScore.class)
          .log(System.Logger.Level.DEBUG, "cannot adjust this process's oom_score_adj", e);
    }
  }

  static int read(Path file) throws IOException {
    return Integer.parseInt(Files.readString(file).strip());
  }
}
