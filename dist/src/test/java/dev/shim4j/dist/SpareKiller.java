package dev.shim4j.dist;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * SIGKILLs pre-started shim JVMs ("spares", see {@link TestsProcesses#spares}) of one test at
 * random moments, in a thread of its own until closed: every 0.1 to 0.6 s, one spare chosen at
 * random if there is one. A spare killed while it takes a start is the hazard under test.
 */
final class SpareKiller implements AutoCloseable {
  private final TestsProcesses processes;
  private final Set<Path> containerSockets;
  private final List<String> killed = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean stopped;

  SpareKiller(TestsProcesses processes, Set<Path> containerSockets) {
    this.processes = processes;
    this.containerSockets = Set.copyOf(containerSockets);
    this.thread = Thread.ofPlatform().daemon().name("spare-killer").start(this::kill);
  }

  private void kill() {
    while (!stopped) {
      try {
        Thread.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextLong(100, 600)));
      } catch (InterruptedException e) {
        return;
      }
      List<Long> spares = processes.spares(containerSockets);
      if (!spares.isEmpty()) {
        long victim = spares.get(ThreadLocalRandom.current().nextInt(spares.size()));
        String described = TestsProcesses.describe(victim);
        if (ProcessHandle.of(victim).map(ProcessHandle::destroyForcibly).orElse(false)) {
          killed.add(described);
        }
      }
    }
  }

  /** The spares killed so far, described as they were just before. */
  List<String> killed() {
    return List.copyOf(killed);
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.interrupt();
    thread.join(10_000);
  }
}
