package dev.shim4j.dist;

import dev.shim4j.testkit.Procs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Watches, while starts run, that no shim process serves a containerd other than the one that
 * started it, with several containerds on one host (the same runtime, the same namespaces). What
 * it looks at is what any start path leaves observable: a process's environment comes from the
 * containerd that ran its launcher (TTRPC_ADDRESS, where its events go); a shim serving a start
 * has that start's {@code -address} on its command line, and listens on the container's socket,
 * whose name is derived from the container's containerd. Both must name the containerd of its
 * environment; a spare or daemon handed a start of another containerd would not. Sampled every
 * 200 ms in a thread of its own until closed.
 */
final class CrossServingWatch implements AutoCloseable {
  private final TestsProcesses processes;
  /** Container socket -> the gRPC address of the containerd whose container it serves. */
  private final Map<Path, String> socketOwners;
  private final Set<String> violations = new ConcurrentSkipListSet<>();
  private final Thread thread;
  private volatile boolean stopped;
  private volatile int samples;

  CrossServingWatch(TestsProcesses processes, Map<Path, String> socketOwners) {
    this.processes = processes;
    this.socketOwners = Map.copyOf(socketOwners);
    this.thread = Thread.ofPlatform().daemon().name("cross-serving-watch").start(this::watch);
  }

  private void watch() {
    while (!stopped) {
      sample();
      samples++;
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void sample() {
    List<Long> pids = processes.running();
    Map<Long, Set<Path>> sockets = Procs.boundUnixSockets(pids);
    for (long pid : pids) {
      Optional<String> containerd = TestsProcesses.containerdOf(pid);
      if (containerd.isEmpty()) {
        continue;
      }
      Optional<String> address = Procs.argumentAfter(pid, "-address");
      if (address.isPresent() && !address.get().equals(containerd.get())) {
        violations.add("started by containerd " + containerd.get() + " but serves a start of " + address.get()
            + ":" + TestsProcesses.describe(List.of(pid)));
      }
      for (Path socket : sockets.getOrDefault(pid, Set.of())) {
        String owner = socketOwners.get(socket);
        if (owner != null && !owner.equals(containerd.get())) {
          violations.add("started by containerd " + containerd.get() + " but listens on " + socket
              + ", a container socket of " + owner + ":" + TestsProcesses.describe(List.of(pid)));
        }
      }
    }
  }

  /** What was seen so far, one a line; empty when every shim served only its own containerd. */
  Set<String> violations() {
    return new TreeSet<>(violations);
  }

  int samples() {
    return samples;
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.interrupt();
    thread.join(10_000);
  }
}
