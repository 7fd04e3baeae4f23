package dev.shim4j.shim.internal;

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
    raiseAboveOwn(Path.of("/proc/" + pid + "/oom_score_adj"));
  }

  /** The same for the in-process daemon: this process, whose score is still containerd's. */
  static void adjustSelf() {
    raiseAboveOwn(Path.of("/proc/self/oom_score_adj"));
  }

  /** Writes this process's score plus one (at most {@value #MAX}) to {@code target}. */
  private static void raiseAboveOwn(Path target) {
    try {
      int own = read(Path.of("/proc/self/oom_score_adj"));
      Files.writeString(target, Integer.toString(Math.min(own + 1, MAX)));
    } catch (IOException | RuntimeException e) {
      ShimLogging.logger(OomScore.class).log(System.Logger.Level.DEBUG, "cannot adjust " + target, e);
    }
  }

  static int read(Path file) throws IOException {
    return Integer.parseInt(Files.readString(file).strip());
  }
}
