package dev.shim4j.dist.train;

import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.Reaper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * What a failed training may leave: a runc container and the rootfs mounted into its bundle.
 * Removed before assemble.sh deletes the work directory (never through a live mount).
 */
final class Leftovers {
  private Leftovers() {}

  static void remove(String runc, String namespace, String id, Path work) {
    quietly(List.of(runc, "--root", "/run/containerd/runc/" + namespace, "delete", "--force", id));
    try (var dirs = Files.list(work)) {
      for (Path bundle : dirs.filter(d -> d.getFileName().toString().startsWith("bundle-")).toList()) {
        Path rootfs = bundle.resolve("rootfs");
        if (isMountPoint(rootfs)) {
          quietly(List.of("umount", "-l", rootfs.toString()));
        }
      }
    } catch (IOException e) {
      System.err.println("  cannot list " + work + ": " + e.getMessage());
    }
  }

  /**
   * The namespace's parent cgroup that runc made for the containers' /NAMESPACE/ID paths (v1:
   * one per controller) and runc's state root for the namespace: removed once empty, so a build
   * leaves no trace in /sys/fs/cgroup or /run.
   */
  static void removeNamespaceDirs(String namespace) {
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> candidates = new java.util.ArrayList<>(List.of(root.resolve(namespace),
        Path.of("/run/containerd/runc", namespace)));
    try (var controllers = Files.list(root)) {
      controllers.forEach(c -> candidates.add(c.resolve(namespace)));
    } catch (IOException e) {
      return;
    }
    for (Path dir : candidates) {
      try {
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.delete(dir); // rmdir: refused while a container's cgroup, a process or state is in it
        }
      } catch (IOException e) {
        // not empty, or not ours to remove: leave it
      }
    }
  }

  private static boolean isMountPoint(Path dir) throws IOException {
    String target = " " + dir.toAbsolutePath() + " ";
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      if (line.contains(target)) {
        return true;
      }
    }
    return false;
  }

  /** Runs {@code command} through the reaper (it owns every child of this JVM), output ignored. */
  private static void quietly(List<String> command) {
    try {
      Reaper.get().run(Command.of(command), null, Duration.ofSeconds(30));
    } catch (IOException | TimeoutException e) {
      System.err.println("  " + command.getFirst() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
