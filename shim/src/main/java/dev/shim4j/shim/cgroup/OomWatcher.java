package dev.shim4j.shim.cgroup;

import dev.shim4j.shim.log.ShimLogging;
import dev.shim4j.sys.EventFds;
import dev.shim4j.sys.Fds;
import dev.shim4j.sys.Inotify;
import dev.shim4j.sys.SysException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells a shim when the kernel's OOM killer struck one of its containers, so it can publish
 * TaskOOM. cgroup v1: an eventfd registered on {@code memory.oom_control} through
 * {@code cgroup.event_control}, one virtual watcher thread per container, parked on sys's shared
 * descriptor poller (a platform thread each cost ~100 KB of stack in a node-wide shim). cgroup
 * v2: inotify on {@code memory.events}, one thread for all containers, reporting when
 * {@code oom_kill} grows.
 *
 * <p>Callbacks run on the watcher threads: keep them short (queue an event, don't do I/O).
 */
public final class OomWatcher implements AutoCloseable {
  private static final System.Logger LOG = ShimLogging.logger(OomWatcher.class);
  /**
   * Longest single wait. Stopping does not wait for it (unwatch wakes the eventfd, close wakes
   * inotify); it only bounds how long a missed wake-up could keep a thread.
   */
  private static final Duration SLICE = Duration.ofSeconds(5);

  /** Receives the id a cgroup was watched under. */
  @FunctionalInterface
  public interface Listener {
    void onOom(String containerId);
  }

  private final Listener listener;
  private final Map<String, V1Watch> v1 = new ConcurrentHashMap<>();
  private final Map<Integer, V2Watch> v2ByWd = new ConcurrentHashMap<>();
  private Inotify inotify; // guarded by this
  private Thread v2Thread; // guarded by this
  private volatile boolean closed;

  public OomWatcher(Listener listener) {
    this.listener = listener;
  }

  /** Starts watching {@code cgroup} for OOM kills, reporting them as {@code containerId}. */
  public void watch(String containerId, Cgroup cgroup) throws IOException {
    if (closed) {
      throw new IllegalStateException("OOM watcher closed");
    }
    // if/instanceof rather than a type switch: a type switch's bootstrap spins a class at its
    // first use (a millisecond or more of a cold JVM), and this runs inside the first Create.
    if (cgroup instanceof CgroupV1 g) {
      watchV1(containerId, g.dir("memory").orElseThrow(
          () -> new IllegalStateException("no memory cgroup v1 hierarchy for " + containerId)));
    } else if (cgroup instanceof CgroupV2 g) {
      watchV2(containerId, g.dir());
    } else {
      throw new IllegalArgumentException("unknown cgroup kind " + cgroup);
    }
  }

  /** Stops reporting for {@code containerId} (e.g. at Delete). Unknown ids are ignored. */
  public void unwatch(String containerId) {
    V1Watch w = v1.remove(containerId);
    if (w != null) {
      w.stop();
    }
    v2ByWd.values().removeIf(w2 -> {
      if (w2.containerId.equals(containerId)) {
        removeWatchQuietly(w2.wd);
        return true;
      }
      return false;
    });
  }

  @Override
  public void close() {
    closed = true;
    for (String id : v1.keySet()) {
      unwatch(id);
    }
    Thread t;
    synchronized (this) {
      if (inotify != null) {
        inotify.close();
      }
      t = v2Thread;
    }
    if (t != null) {
      try {
        t.join(SLICE.toMillis() * 2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    v2ByWd.clear();
  }

  private void report(String containerId) {
    try {
      listener.onOom(containerId);
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "OOM listener failed for " + containerId, e);
    }
  }

  // ---- cgroup v1

  private void watchV1(String containerId, Path memoryDir) throws IOException {
    int efd = EventFds.registerCgroupV1Oom(memoryDir);
    V1Watch w = new V1Watch(containerId, memoryDir, efd);
    V1Watch previous = v1.put(containerId, w);
    if (previous != null) {
      previous.stop();
    }
    w.thread.start();
  }

  private final class V1Watch {
    final String containerId;
    final Path memoryDir;
    final int efd;
    final Thread thread;
    volatile boolean stopped;
    private boolean fdClosed; // guarded by this: stop() must never write to a recycled fd number

    V1Watch(String containerId, Path memoryDir, int efd) {
      this.containerId = containerId;
      this.memoryDir = memoryDir;
      this.efd = efd;
      this.thread = Thread.ofVirtual().name("oom-watch-" + containerId).unstarted(this::run);
    }

    synchronized void stop() {
      stopped = true;
      if (fdClosed) {
        return;
      }
      try {
        EventFds.write(efd, 1); // wakes the poll at once; the thread closes the fd
      } catch (SysException ignored) {
        // Counter full or similar: the thread still sees `stopped` within a slice.
      }
    }

    private synchronized void closeFd() {
      fdClosed = true;
      Fds.closeQuietly(efd);
    }

    private void run() {
      try {
        while (!stopped) {
          OptionalLong count = EventFds.read(efd, SLICE);
          if (count.isEmpty() || stopped) {
            continue;
          }
          // The eventfd also fires once when the cgroup is removed: that is no OOM.
          if (!Files.isDirectory(memoryDir)) {
            v1.remove(containerId, this);
            return;
          }
          report(containerId);
        }
      } catch (SysException e) {
        LOG.log(Level.WARNING, "OOM watch of " + containerId + " ended", e);
      } finally {
        stopped = true;
        closeFd();
      }
    }
  }

  // ---- cgroup v2

  private record V2Watch(String containerId, Path events, int wd, long[] lastOomKill) {}

  private synchronized void watchV2(String containerId, Path dir) throws IOException {
    if (inotify == null) {
      inotify = Inotify.open();
      v2Thread = Thread.ofPlatform().daemon().name("oom-watch-v2").unstarted(this::runV2);
      v2Thread.start();
    }
    Path events = dir.resolve("memory.events");
    // Watch first, then read the count: an OOM in between is then seen, not lost.
    int wd = inotify.addWatch(events, Inotify.IN_MODIFY);
    long start = CgroupFiles.table(events).getOrDefault("oom_kill", 0L);
    v2ByWd.put(wd, new V2Watch(containerId, events, wd, new long[] {start}));
  }

  private void runV2() {
    Inotify in;
    synchronized (this) {
      in = inotify;
    }
    while (!closed) {
      try {
        for (Inotify.Event e : in.read(SLICE)) {
          V2Watch w = v2ByWd.get(e.wd());
          if (w == null) {
            continue;
          }
          if (e.is(Inotify.IN_IGNORED)) { // file gone with its cgroup
            v2ByWd.remove(e.wd(), w);
            continue;
          }
          long oomKill = CgroupFiles.table(w.events).getOrDefault("oom_kill", 0L);
          if (oomKill > w.lastOomKill[0]) {
            w.lastOomKill[0] = oomKill;
            report(w.containerId);
          }
        }
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.log(Level.WARNING, "OOM watch (cgroup v2) failed; retrying", e);
        try {
          Thread.sleep(SLICE);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private synchronized void removeWatchQuietly(int wd) {
    if (inotify == null) {
      return;
    }
    try {
      inotify.removeWatch(wd);
    } catch (SysException ignored) {
      // Already gone with its cgroup.
    }
  }
}
