package dev.shim4j.dist.train;

import dev.shim4j.runc.Runc;
import dev.shim4j.runc.RuncException;
import dev.shim4j.shim.mount.Mounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a failed training may leave: a runc container and the rootfs mounted into its bundle.
 * Removed before shim4j:package deletes the work directory (never through a live mount).
 */
final class Leftovers {
  private Leftovers() {}

  static void remove(String runc, String namespace, String id, Path work) {
    try {
      Runc.builder().binary(runc).root(Path.of("/run/containerd/runc", namespace)).build().delete(id, true);
    } catch (RuncException e) {
      if (!e.isNotFound()) {
        System.err.println("  runc delete --force " + id + ": " + e.getMessage());
      }
    } catch (IOException e) {
      System.err.println("  runc delete --force " + id + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var dirs = Files.list(work)) {
      for (Path bundle : dirs.filter(d -> d.getFileName().toString().startsWith("bundle-")).toList()) {
        Mounter.unmountAll(bundle.resolve("rootfs"));
      }
    } catch (IOException e) {
      System.err.println("  cannot unmount the rootfs mounts under " + work + ": " + e.getMessage());
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
}
