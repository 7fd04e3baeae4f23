package dev.shim4j.dist.train;

import dev.shim4j.runc.Json;
import dev.shim4j.shim.reaper.Command;
import dev.shim4j.shim.reaper.CommandResult;
import dev.shim4j.shim.reaper.Reaper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * What containerd would have unpacked for a busybox image: a root file system of /bin/busybox
 * and the few applets the training's processes use (the layer a snapshotter mounts), and the
 * OCI spec the training's bundles start from ({@code runc spec}: valid for the runc installed).
 */
final class TrainingImage {
  private static final List<String> APPLETS = List.of("sh", "echo", "cat", "sleep", "true");

  private final Path rootfs;
  private final Map<String, Object> baseSpec;

  private TrainingImage(Path rootfs, Map<String, Object> baseSpec) {
    this.rootfs = rootfs;
    this.baseSpec = baseSpec;
  }

  static TrainingImage create(Path dir, Path busybox, String runc) throws IOException, InterruptedException {
    Path rootfs = dir.resolve("rootfs");
    Path bin = Files.createDirectories(rootfs.resolve("bin"));
    for (String d : List.of("dev", "proc", "sys", "tmp", "etc")) {
      Files.createDirectories(rootfs.resolve(d));
    }
    Files.copy(busybox, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    for (String applet : APPLETS) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    Path specDir = Files.createDirectories(dir.resolve("spec"));
    run(List.of(runc, "spec", "--bundle", specDir.toString()));
    Map<String, Object> spec = Json.parseObject(Files.readString(specDir.resolve("config.json")));
    return new TrainingImage(rootfs, spec);
  }

  /** The unpacked layer: the lower dir of an overlay rootfs, or the source of a bind one. */
  Path rootfs() {
    return rootfs;
  }

  /**
   * A bundle for container {@code id} running {@code args}: config.json as containerd writes it
   * (rootfs "rootfs", a cgroup path per namespace and id) and an empty rootfs mount point.
   */
  Path bundle(Path dir, String namespace, String id, List<String> args) throws IOException {
    Files.createDirectories(dir.resolve("rootfs"));
    Map<String, Object> spec = Json.parseObject(Json.write(baseSpec));
    spec.put("process", process(args, false));
    spec.put("root", new java.util.LinkedHashMap<>(Map.of("path", "rootfs", "readonly", false)));
    spec.put("hostname", id);
    @SuppressWarnings("unchecked")
    Map<String, Object> linux = (Map<String, Object>) spec.computeIfAbsent("linux", k -> new java.util.LinkedHashMap<>());
    linux.put("cgroupsPath", "/" + namespace + "/" + id);
    Files.writeString(dir.resolve("config.json"), Json.write(spec));
    return dir;
  }

  /** The spec's process with other {@code args} (and terminal mode): an exec's process spec. */
  Map<String, Object> process(List<String> args, boolean terminal) {
    @SuppressWarnings("unchecked")
    Map<String, Object> process = Json.parseObject(Json.write(baseSpec.get("process")));
    process.put("args", new ArrayList<Object>(args));
    process.put("terminal", terminal);
    process.put("cwd", "/");
    return process;
  }

  /** Runs {@code command} through the reaper (it owns every child of this JVM); fails unless 0. */
  private static void run(List<String> command) throws IOException, InterruptedException {
    CommandResult result;
    try {
      result = Reaper.get().run(Command.of(command), null, Duration.ofSeconds(30));
    } catch (TimeoutException e) {
      throw new IOException(String.join(" ", command) + " did not exit within 30s");
    }
    if (!result.succeeded()) {
      throw new IOException(String.join(" ", command) + " failed: "
          + (result.stdoutText() + result.stderrText()).strip());
    }
  }
}
