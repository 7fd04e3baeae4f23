package dev.shim4j.runcshim;

import dev.shim4j.sys.EventFds;
import dev.shim4j.sys.Fds;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Reports OOM kills of one container's memory cgroup: on cgroup v1 through an eventfd registered
 * on {@code memory.oom_control}, on v2 by watching the {@code oom_kill} count of
 * {@code memory.events}. One platform thread per watch (the eventfd read is native).
 */
final class OomWatch implements AutoCloseable {
  private static final Logger LOG = System.getLogger(OomWatch.class.getName());
  private static final Duration SLICE = Duration.ofMillis(500);

  private final Path dir;
  private final Runnable onOom;
  private final int eventFd;
  private volatile boolean closed;

  private OomWatch(Path dir, Runnable onOom, int eventFd) {
    this.dir = dir;
    this.onOom = onOom;
    this.eventFd = eventFd;
  }

  static OomWatch start(Path cgroupDir, Runnable onOom) throws IOException {
    boolean v2 = Files.exists(cgroupDir.resolve("memory.events"));
    if (!v2 && !Files.exists(cgroupDir.resolve("memory.oom_control"))) {
      throw new IOException("no memory cgroup at " + cgroupDir);
    }
    OomWatch w = new OomWatch(cgroupDir, onOom, v2 ? -1 : EventFds.registerCgroupV1Oom(cgroupDir));
    Thread.ofPlatform().daemon().name("oom-" + cgroupDir.getFileName()).start(v2 ? w::loopV2 : w::loopV1);
    return w;
  }

  private void loopV1() {
    try {
      while (!closed) {
        OptionalLong n = EventFds.read(eventFd, SLICE);
        if (n.isPresent() && !closed && Files.isDirectory(dir)) {
          onOom.run();
        }
        if (!Files.isDirectory(dir)) {
          return; // the cgroup is gone (the eventfd also fires once for that)
        }
      }
    } catch (IOException e) {
      if (!closed) {
        LOG.log(Level.WARNING, "OOM watch of " + dir + " failed: " + e.getMessage());
      }
    } finally {
      Fds.closeQuietly(eventFd);
    }
  }

  private void loopV2() {
    long seen = oomKills();
    while (!closed && Files.isDirectory(dir)) {
      try {
        Thread.sleep(SLICE.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      long now = oomKills();
      if (now > seen && !closed) {
        onOom.run();
      }
      seen = Math.max(seen, now);
    }
  }

  private long oomKills() {
    try {
      for (String line : Files.readAllLines(dir.resolve("memory.events"))) {
        if (line.startsWith("oom_kill ")) {
          return Long.parseLong(line.substring(9).strip());
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // cgroup gone
    }
    return 0;
  }

  @Override
  public void close() {
    closed = true;
  }
}
