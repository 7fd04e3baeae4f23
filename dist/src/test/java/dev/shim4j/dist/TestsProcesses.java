package dev.shim4j.dist;

import dev.shim4j.testkit.Procs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The processes that one test's private containerds started, and whatever those started in turn:
 * launchers, spares, daemons, runc. They are recognised by a marker in their environment, a
 * variable with a value no other test uses (e.g. the test's own SHIM4J_PREFORK_DIR) set in
 * containerd's environment only: containerd hands its environment to every shim, and a shim's
 * JVM, its spares and the daemons it spawns inherit it whatever their command line says. So this
 * never counts, nor kills, another test's processes; containerd itself is left out.
 *
 * <p>Only what is observable from outside is used (/proc), so that it holds for any start path.
 */
final class TestsProcesses {
  private final String key;
  private final String value;

  TestsProcesses(String key, String value) {
    this.key = key;
    this.value = value;
  }

  /** The running (not zombie) processes with the marker, containerd left out. */
  List<Long> running() {
    return ProcessHandle.allProcesses()
        .map(ProcessHandle::pid)
        .filter(pid -> value.equals(Procs.environment(pid).get(key)))
        .filter(pid -> !Procs.executable(pid).map(exe -> exe.getFileName().toString().equals("containerd")).orElse(false))
        .filter(Procs::isRunning)
        .toList();
  }

  /** The JVMs among {@link #running()}: shims' daemons, spares, cold starts. */
  List<Long> jvms() {
    return running().stream().filter(TestsProcesses::isJvm).toList();
  }

  static boolean isJvm(long pid) {
    return Procs.executable(pid).map(exe -> exe.endsWith(Path.of("bin", "java"))).orElse(false);
  }

  /**
   * The JVMs among {@link #running()} that serve no container yet, pre-started ones ("spares"),
   * as told from the outside: no {@code -id} on the command line (a spare does not know its
   * container until it takes a start; a cold start's JVM and a spawned daemon run with theirs),
   * and none of {@code containerSockets} among the sockets it holds.
   */
  List<Long> spares(Set<Path> containerSockets) {
    List<Long> jvms = jvms().stream().filter(pid -> !Procs.commandLine(pid).contains("-id")).toList();
    Map<Long, Set<Path>> sockets = Procs.boundUnixSockets(jvms);
    return jvms.stream()
        .filter(pid -> sockets.getOrDefault(pid, Set.of()).stream().noneMatch(containerSockets::contains))
        .toList();
  }

  /** Waits (polling) until none of {@link #running()} is left or {@code bound} has passed; returns what is left. */
  List<Long> awaitNone(Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    List<Long> left = running();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      left = running();
    }
    return left;
  }

  /** SIGKILLs every process of {@link #running()}, again while new ones appear (a few rounds). */
  void killAll() throws InterruptedException {
    for (int round = 0; round < 20; round++) {
      List<Long> left = running();
      if (left.isEmpty()) {
        return;
      }
      left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      Thread.sleep(100);
    }
  }

  /** The containerd (its gRPC address) that started the process: its TTRPC_ADDRESS, less ".ttrpc". */
  static Optional<String> containerdOf(long pid) {
    String ttrpc = Procs.environment(pid).get("TTRPC_ADDRESS");
    return ttrpc != null && ttrpc.endsWith(".ttrpc")
        ? Optional.of(ttrpc.substring(0, ttrpc.length() - ".ttrpc".length()))
        : Optional.empty();
  }

  /** One line per process (a dozen at most): pid, executable, command line, for assertion messages. */
  static String describe(List<Long> pids) {
    String shown = pids.stream().limit(12).map(TestsProcesses::describe).collect(Collectors.joining("\n", "\n", ""));
    return pids.size() > 12 ? shown + "\n  ... and " + (pids.size() - 12) + " more" : shown;
  }

  static String describe(long pid) {
    String line = String.join(" ", Procs.commandLine(pid));
    if (line.length() > 400) {
      line = line.substring(0, 200) + " ... " + line.substring(line.length() - 200);
    }
    return "  " + pid + " (" + Procs.executable(pid).map(Path::toString).orElse("?") + ", ppid "
        + ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L)
        + ", containerd " + containerdOf(pid).orElse("?") + "): " + line;
  }
}
